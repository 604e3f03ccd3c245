"""The wheel a user installs: built from the checkout, installed in a fresh venv, run from a folder outside the
checkout. Everything the program reads at run time must be inside it, under the one import name `aigchip`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from aigchip.loopback import Loopback, Response

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "datasets" / "examples" / "mac8"
# the folders a wheel maps under aigchip/ (pyproject's package-dir)
SHIPPED = {"agent": "aigchip", "sim": "aigchip/sim", "templates": "aigchip/templates", "datasets": "aigchip/datasets"}

pytestmark = [pytest.mark.wheel, pytest.mark.sim, pytest.mark.timeout(240)]


def _source_files() -> list[str]:
    """What a fresh clone holds: tracked files plus new ones not ignored (so a file not yet committed counts)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [name for name in listed if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("builds the wheel from a git checkout")
    source = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
                           capture_output=True, text=True, timeout=180)
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("aigchip-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A fresh venv (dependencies from the system site-packages) with the wheel installed, and an environment that
    keeps the user's folders and the checkout out of reach."""
    venv = tmp_path_factory.mktemp("venv")
    base_python = Path(sysconfig.get_config_var("BINDIR")) / f"python{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([str(base_python), "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    home = tmp_path_factory.mktemp("home")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AIGCHIP_", "OPENAI_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(home),
               XDG_CACHE_HOME=str(home / "cache"), XDG_DATA_HOME=str(home / "data"))
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    return {"venv": venv, "python": python, "env": env, "site": site, "cwd": tmp_path_factory.mktemp("elsewhere")}


def run(installed: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["venv"] / "bin" / "aigchip"), *args], cwd=installed["cwd"],
                          env=installed["env"], capture_output=True, text=True, timeout=timeout)


def test_the_wheel_holds_one_import_name_and_every_shipped_file(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.split("/")[0] for name in names} == {"aigchip", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    missing = []
    for name in _source_files():
        folder, _, rest = name.partition("/")
        if folder in SHIPPED and "__pycache__" not in name and f"{SHIPPED[folder]}/{rest}" not in names:
            missing.append(name)
    assert not missing, f"files of the checkout missing from the wheel (a new package not listed in pyproject?): {missing[:10]}"


def test_installed_package_is_the_wheel_and_names_nothing_else(installed: dict):
    site = installed["site"]
    assert not (site / "agent").exists() and not (site / "sim").exists()
    where = subprocess.run([str(installed["python"]), "-c", "import aigchip, aigchip.sim, aigchip.paths as p; "
                            "print(aigchip.__file__); print(p.package_data('templates', 'prompts'))"],
                           cwd=installed["cwd"], env=installed["env"], capture_output=True, text=True, check=True)
    module, prompts = where.stdout.split()
    assert Path(module).is_relative_to(site) and Path(prompts).is_relative_to(site)
    version = run(installed, "--version")
    assert version.returncode == 0 and re.fullmatch(r"aigchip \d+\.\d+\.\d+\S*\n", version.stdout), version.stdout


def test_verify_from_outside_the_checkout(installed: dict):
    for name in ("mac8.v", "test_mac8.py"):
        shutil.copy(EXAMPLE / name, installed["cwd"] / name)
    result = run(installed, "verify", "mac8.v", "--top", "mac8", "--tests", "test_mac8.py", "--no-lint", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["status"] == "pass"


def test_generate_against_an_endpoint_uses_the_shipped_prompts_and_demos(installed: dict):
    spec = json.loads((EXAMPLE / "task.json").read_text())["spec"]["detailed"]
    shutil.copy(EXAMPLE / "tb_mac8.v", installed["cwd"] / "tb_mac8.v")
    reply = f"```verilog\n{(EXAMPLE / 'mac8.v').read_text()}```"
    with Loopback([Response.text(reply)]) as server:
        result = run(installed, "generate", spec, "--top", "mac8", "--tb", "tb_mac8.v", "--model", "loop",
                     "--base-url", server.base_url, "--out", "run", "--json")
        prompt = json.dumps(server.completions()[0].body["messages"]) if server.completions() else ""
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "pass" and report["iterations"] == 1 and report["demos"]
    assert report["demos"][0]["top"] in prompt  # the bundled demo library reached the model
    assert (installed["cwd"] / "run" / "mac8.v").is_file() or any((installed["cwd"] / "run").rglob("mac8.v"))


def test_the_readme_quick_start_runs_from_the_wheel(installed: dict):
    """The README's first command, offline: the shipped demo library answers (issue 11's user saw
    `no demo library at .../site-packages/datasets/demos`)."""
    result = run(installed, "generate", "An 8-entry synchronous FIFO of 8-bit words with full and empty flags",
                 "--top", "fifo8", "--out", "runs/fifo8", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "pass" and report["model"] == "offline" and report["demos"]
    assert "module fifo8" in (installed["cwd"] / "runs" / "fifo8" / "fifo8.v").read_text()


def test_eval_reference_on_the_bundled_accelbench(installed: dict):
    result = run(installed, "eval", "accelbench", "--model", "reference", "--tasks", "popcount32,relu6_s8",
                 "--out", "eval", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["benchmark"] == "accelbench" and summary["tasks"] == 2
    assert summary["pass_at_k"] == {"1": 1.0} and summary["reference_failures"] == []
    assert json.loads((installed["cwd"] / "eval" / "summary.json").read_text())["tasks"] == 2


def fetch(url: str) -> str:
    """GET url at once: the address is printed only once the server listens."""
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200
        return answer.read().decode()


def test_serve_answers_with_its_page(installed: dict):
    server = subprocess.Popen([str(installed["venv"] / "bin" / "aigchip"), "serve", "--port", "0", "--model", "offline"],
                              cwd=installed["cwd"], env=installed["env"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        line = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "http://" not in line:
            line = server.stdout.readline() if server.stdout else ""
            if not line and server.poll() is not None:
                break
        match = re.search(r"http://[\d.]+:\d+/", line)
        assert match, f"serve printed no address: {line!r}"
        html = fetch(match.group(0))
        assert "<html" in html.lower() and "app.js" in html
        assert len(fetch(match.group(0) + "app.js")) > 1000
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
