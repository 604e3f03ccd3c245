"""`aigchip verify` as scripts and people use it: exit codes, --json, no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "datasets" / "examples" / "mac8"


def aigchip(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True,
                          timeout=300, env=env or os.environ.copy())


def test_help_lists_verify():
    result = aigchip("--help")
    assert result.returncode == 0 and "verify" in result.stdout


def test_usage_error_exits_2():
    result = aigchip("verify", "/nonexistent/design.v")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.sim
def test_verify_json_pass_with_testbench():
    result = aigchip("verify", str(EXAMPLE / "mac8.v"), "--tb", str(EXAMPLE / "tb_mac8.v"), "--json", "--no-lint")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "pass" and report["simulator"] == "icarus"
    assert isinstance(report["diagnostics"], list)


@pytest.mark.sim
def test_verify_failing_design_exits_1_with_readable_report(tmp_path):
    broken = tmp_path / "mac8.v"
    broken.write_text((EXAMPLE / "mac8.v").read_text().replace("acc <= sum[15:0];", "acc <= ;"))
    result = aigchip("verify", str(broken), "--tb", str(EXAMPLE / "tb_mac8.v"))
    assert result.returncode == 1
    assert "compile_error" in result.stdout and "mac8.v" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_tool_exits_2_with_install_hint(tmp_path):
    env = os.environ.copy()
    env["PATH"] = str(tmp_path)  # no iverilog here
    result = aigchip("verify", str(EXAMPLE / "mac8.v"), "--json", env=env)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["status"] == "tool_error" and "iverilog" in report["diagnostics"][0]["message"]


def test_tb_and_tests_together_is_a_usage_error():
    result = aigchip("verify", str(EXAMPLE / "mac8.v"), "--tb", str(EXAMPLE / "tb_mac8.v"),
                     "--tests", str(EXAMPLE / "test_mac8.py"))
    assert result.returncode == 2 and "either" in result.stderr


@pytest.mark.sim
def test_a_spec_longer_than_a_file_name_is_a_spec_not_an_error(tmp_path):
    spec = "An 8-bit counter with a synchronous active-high reset and an enable input; " * 5  # over 255 bytes
    result = aigchip("generate", spec, "--top", "counter", "--model", "offline", "--max-iters", "1",
                     "--out", str(tmp_path / "run"), "--json")
    assert "internal error" not in result.stderr and result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["model"] == "offline"


def test_the_quick_exit_still_runs_exit_handlers_flushes_output_and_waits_for_working_threads(tmp_path):
    # aigchip's main() skips the interpreter's teardown (0.4 CPU s once langchain is loaded), not what it owes
    def run(thread: bool) -> subprocess.CompletedProcess:
        script = (
            "import atexit, sys, threading, time\n"
            f"atexit.register(lambda: open({str(tmp_path / 'handler')!r}, 'a').write('ran '))\n"
            + (f"threading.Thread(target=lambda: (time.sleep(1), open({str(tmp_path / 'thread')!r}, 'w').write('done'))).start()\n"
               if thread else "")
            + "print('x' * 200000, end='')\n"  # more than a pipe holds: still buffered when main() ends
            "sys.argv = ['aigchip', '--version']\n"
            "from aigchip.cli import main\n"
            "main()\n")
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)

    for thread in (False, True):
        result = run(thread)
        assert result.returncode == 0 and result.stdout == "x" * 200000 + "aigchip 0.1.0\n"
    assert (tmp_path / "handler").read_text() == "ran ran " and (tmp_path / "thread").read_text() == "done"
    code = "import sys; sys.argv = ['aigchip', 'verify', '/nonexistent/design.v']\nfrom aigchip.cli import main\nmain()\n"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 2


def test_pydantic_plugins_are_not_loaded_unless_the_user_asks(tmp_path):
    """An installed pydantic plugin (an entry point in group `pydantic`) would be imported at aigchip's first
    model; the command line leaves plugins out, except when PYDANTIC_DISABLE_PLUGINS is set by the user."""
    marker = tmp_path / "plugin-loaded"
    (tmp_path / "fakeplug_mod.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "class Plugin:\n"
        "    def new_schema_validator(self, *args, **kwargs):\n"
        "        return None, None, None\n"
        "plugin = Plugin()\n")
    info = tmp_path / "fakeplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pydantic]\nfake = fakeplug_mod:plugin\n")
    base = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    base["PYTHONPATH"] = os.pathsep.join([str(tmp_path), base.get("PYTHONPATH", "")])
    command = ["eval", "compare", str(tmp_path / "no_run_a"), str(tmp_path / "no_run_b")]
    result = aigchip(*command, env=base)
    assert result.returncode == 2 and "internal error" not in result.stderr and not marker.exists()
    result = aigchip(*command, env={**base, "PYDANTIC_DISABLE_PLUGINS": "some_other_plugin"})
    assert result.returncode == 2 and marker.exists()  # the user's own setting: only that plugin left out
