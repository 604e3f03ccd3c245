"""Attacks 3 and 4 of issue 12, run end to end: model-written cocotb tests (tests/fixtures/hostile/
thief_cocotb.py.in) that read the parent's environment through /proc, the user's SSH key, connect to a
listener on the host's 127.0.0.1, write outside the run folder and into the verdict cache, and leave a
process behind; through `verify`, `generate --feedback self` and `eval --feedback self` with a model on a
loopback endpoint. Each must end classified and not passing, with nothing written outside, no connection
received, no process left and the key nowhere in the outputs. Also: `kill -9` of `aigchip eval` leaves
no simulator running."""

from __future__ import annotations

import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigchip.loopback import Loopback, Response
from aigchip.sim import process
from tests.conftest import processes_mentioning

pytestmark = [pytest.mark.sim, pytest.mark.skipif(process.sandbox_status() != "bubblewrap",
                                                  reason="no working bubblewrap here")]
FIXTURES = Path(__file__).parent / "fixtures"
ADD4 = FIXTURES / "evaltruth" / "add4"
WRONG_ADD4 = (ADD4 / "add4.v").read_text().replace("a + b", "a | b")
KEY = "sk-thief-bait-5a1b0c"
SSH_KEY = "-----BEGIN FAKE PRIVATE KEY----- bait-7d2e -----END FAKE PRIVATE KEY-----"


class Scene:
    """A fake HOME with a key, a listener on 127.0.0.1, a private cache, and the thief rendered for them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home, self.cache, self.outside = root / "home", root / "cache", root / "outside" / "escaped.txt"
        (self.home / ".ssh").mkdir(parents=True)
        (self.home / ".ssh" / "id_rsa").write_text(SSH_KEY)
        self.cache.mkdir()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.setblocking(False)
        self.tag = f"aigchip-thief-{os.getpid()}-{time.time_ns()}"
        values = {"__PORT__": str(self.listener.getsockname()[1]), "__FAKE_HOME__": repr(str(self.home)),
                  "__OUTSIDE__": repr(str(self.outside)), "__CACHE__": repr(str(self.cache)), "__TAG__": repr(self.tag)}
        text = (FIXTURES / "hostile" / "thief_cocotb.py.in").read_text()
        for name, value in values.items():
            text = text.replace(name, value)
        self.thief = text

    def env(self) -> dict[str, str]:
        return {**os.environ, "OPENAI_API_KEY": KEY, "HOME": str(self.home), "AIGCHIP_CACHE_DIR": str(self.cache)}

    def run(self, *args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True,
                              timeout=timeout, env=self.env(), cwd=cwd)

    def model(self) -> Loopback:
        """A model that writes a wrong add4 and, asked for tests, the thief."""
        def answer(body: dict) -> Response:
            asked = body["messages"][-1]["content"]
            if "cocotb" in asked:
                return Response.text(f"Tests:\n\n```python\n{self.thief}\n```\n")
            return Response.text(f"Here it is.\n\n```verilog\n{WRONG_ADD4}\n```\n")
        return Loopback(handler=answer)

    def assert_contained(self, *outputs: str, folders: tuple[Path, ...] = ()) -> None:
        time.sleep(0.3)
        with pytest.raises(BlockingIOError):
            self.listener.accept()  # nothing ever connected
        assert not self.outside.exists() and not self.outside.parent.exists()
        assert not list(self.cache.rglob("forged.json"))
        assert processes_mentioning(self.tag) == []
        texts = list(outputs) + [p.read_text(errors="replace") for folder in folders for p in folder.rglob("*")
                                 if p.is_file()]
        for text in texts:
            assert KEY not in text and "bait-7d2e" not in text

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def scene(tmp_path):
    made = Scene(tmp_path)
    yield made
    made.close()


def _thief_ran(message: str) -> None:
    """The thief's own report: it ran and could not connect. (Its writes under /tmp land in the box's private
    /tmp and vanish with it; the host's side is checked by Scene.assert_contained.)"""
    assert "stolen:" in message and "no-connection" in message and "connected'" not in message


@pytest.mark.parametrize("sim", ["icarus", pytest.param("verilator", marks=pytest.mark.verilator)])
def test_verify_runs_the_thief_in_the_box(scene, tmp_path, sim):
    work = tmp_path / "work"
    work.mkdir()
    (work / "add4.v").write_text(WRONG_ADD4)
    (work / "test_add4.py").write_text(scene.thief)
    result = scene.run("verify", "add4.v", "--tests", "test_add4.py", "--sim", sim, "--no-lint", "--json", cwd=work)
    verdict = json.loads(result.stdout)
    assert result.returncode == 1 and verdict["status"] == "mismatch", result.stdout + result.stderr
    _thief_ran(json.dumps(verdict))
    scene.assert_contained(result.stdout, result.stderr, folders=(work, scene.cache))


def test_generate_with_self_feedback_runs_the_models_thief_in_the_box(scene, tmp_path):
    out = tmp_path / "run"
    spec = (ADD4 / "task.json").read_text()
    with scene.model() as server:
        result = scene.run("generate", json.loads(spec)["spec"], "--top", "add4", "--tb", str(ADD4 / "tb_add4.v"),
                           "--feedback", "self", "--max-iters", "1", "--demos", "0",
                           "--model", "loop", "--base-url", server.base_url, "--out", str(out), "--json")
    summary = json.loads(result.stdout)
    assert result.returncode == 1 and summary["status"] == "mismatch", result.stdout + result.stderr
    assert summary["attempts"][0]["status"] == "mismatch"
    _thief_ran(summary["attempts"][0]["summary"] + (out / "session.jsonl").read_text())
    scene.assert_contained(result.stdout, result.stderr, folders=(out, scene.cache))


def test_eval_with_self_feedback_runs_the_models_thief_in_the_box(scene, tmp_path):
    bench = tmp_path / "bench"
    shutil.copytree(ADD4, bench / "add4")
    out = tmp_path / "out"
    with scene.model() as server:
        result = scene.run("eval", str(bench), "--feedback", "self", "--max-iters", "1", "--no-lint",
                           "--model", "loop", "--base-url", server.base_url, "--out", str(out), "--json")
    summary = json.loads(result.stdout)
    record = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert summary["pass_at_k"]["1"] == 0.0 and record["status"] == "mismatch", result.stdout + result.stderr
    _thief_ran((out / "add4").read_text() if (out / "add4").is_file() else
               "".join(p.read_text() for p in out.rglob("session.jsonl")))
    scene.assert_contained(result.stdout, result.stderr, folders=(out, scene.cache))


def test_a_self_test_sees_only_the_design_and_what_the_model_wrote(tmp_path):
    """The model's tests sit beside the task's own tests and notes (a resumed run folder): none is copied in."""
    from aigchip.sim import Design, VerifyOptions, verify

    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_add4.py").write_text("# the task's own tests: SECRET-TESTS\n")
    (checks / "notes.md").write_text("SECRET-NOTES\n")
    (checks / "add4_ref.v").write_text("// SECRET-REFERENCE\n")
    (checks / "golden.py").write_text("VALUE = 3\n")  # a helper the model wrote
    (checks / "self_test_add4.py").write_text(
        "import os\nimport cocotb\nfrom cocotb.triggers import Timer\nfrom golden import VALUE\n\n"
        "@cocotb.test()\nasync def look(dut):\n    seen = []\n"
        "    for top, _, files in os.walk('/'):\n"
        "        if top.startswith(('/proc', '/sys', '/dev', '/usr', '/root', '/etc', '/work')):\n"
        "            continue\n"
        "        for name in files:\n"
        "            try:\n                seen.append(open(os.path.join(top, name), errors='replace').read())\n"
        "            except OSError:\n                pass\n"
        "    dut.a.value, dut.b.value = 1, 2\n    await Timer(1, unit='ns')\n"
        "    assert False, f'{VALUE} ' + ' '.join(s for s in seen if 'SEC' + 'RET' in s)\n")
    design = Design(files={"add4.v": (ADD4 / "add4.v").read_text()}, top="add4")
    verdict = verify(design, VerifyOptions(tests=checks / "self_test_add4.py", tests_by_model=True, lint=False))
    message = " ".join(d.message for d in verdict.diagnostics)
    assert verdict.status == "mismatch" and message.startswith("3 "), message
    assert "SECRET" not in message


def test_kill_9_of_eval_leaves_no_simulator(tmp_path):
    bench = tmp_path / "bench" / "spin"
    bench.mkdir(parents=True)
    (bench / "spin.v").write_text("module spin (input a, output y);\n  assign y = a;\nendmodule\n")
    (bench / "tb_spin.v").write_text("module tb;\n  reg a = 0;\n  wire y;\n  spin dut (.a(a), .y(y));\n"
                                     "  always #5 a = ~a;\nendmodule\n")  # never finishes
    (bench / "task.json").write_text(json.dumps({"id": "spin", "top": "spin", "spec": "y follows a.",
                                                 "testbench": "tb_spin.v", "solution": "spin.v"}))
    runs = tmp_path / "runs"
    runs.mkdir()
    env = {**os.environ, "TMPDIR": str(runs), "AIGCHIP_SIM_TIMEOUT": "600"}
    proc = subprocess.Popen([sys.executable, "-m", "aigchip.cli", "eval", str(bench.parent), "--model", "reference",
                             "--no-lint", "--out", str(tmp_path / "out")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _simulators_in(runs) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _simulators_in(runs), "the simulation never started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while _simulators_in(runs) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _simulators_in(runs) == []
    finally:
        proc.kill()


def _simulators_in(folder: Path) -> list[str]:
    """vvp processes (or anything else) working in a folder under `folder`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "cwd").startswith(str(folder)) and (entry / "comm").read_text().strip() == "vvp":
                found.append(entry.name)
        except OSError:
            continue
    return found


def test_the_pages_write_tests_runs_the_models_thief_in_the_box(scene, tmp_path):
    """`aigchip serve` as a user runs it: a design from the model, then the page's Write tests button, whose
    tests are the thief. The check ends failing, and nothing leaves the box."""
    import httpx

    sessions = tmp_path / "sessions"
    with scene.model() as model:
        server = subprocess.Popen([sys.executable, "-m", "aigchip.cli", "serve", "--port", "0", "--model", "loop",
                                   "--base-url", model.base_url, "--max-iters", "1", "--no-stream",
                                   "--sessions", str(sessions)],
                                  env=scene.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            line, deadline = "", time.monotonic() + 60
            while time.monotonic() < deadline and "http://" not in line:
                line = server.stdout.readline() if server.stdout else ""
                if not line and server.poll() is not None:
                    break
            address = re.search(r"http://[\d.]+:\d+", line)
            assert address, f"serve printed no address: {line!r}"
            with httpx.Client(base_url=address.group(0), timeout=60) as http:
                sid = http.post("/api/sessions", json={}).json()["id"]
                http.post(f"/api/sessions/{sid}/messages",
                          json={"text": json.loads((ADD4 / "task.json").read_text())["spec"]})
                view = _settled(http, sid, turns=1)
                assert http.post(f"/api/sessions/{sid}/commands", json={"command": "test write"}).status_code < 400
                view = _settled(http, sid, turns=2)
        finally:
            server.terminate()
            try:
                output, _ = server.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                output, _ = server.communicate()
    assert view["turns"][1]["state"] == "done" and view["current"]["status"] == "mismatch", json.dumps(view)[:2000]
    _thief_ran(view["current"]["summary"])
    scene.assert_contained(output, json.dumps(view), folders=(sessions, scene.cache))


def _settled(http, sid: str, *, turns: int, timeout: float = 240) -> dict:
    """The session's view once `turns` turns have ended and nothing is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = http.get(f"/api/sessions/{sid}").json()
        ended = [t for t in view.get("turns", []) if t.get("state") in ("done", "failed")]
        if len(ended) >= turns and not view.get("busy"):
            return view
        time.sleep(0.3)
    raise AssertionError(f"session {sid} did not settle: {view}")
