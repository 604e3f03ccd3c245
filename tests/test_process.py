import os
import sys
import time

import pytest

from aigchip.sim import process
from tests.conftest import processes_mentioning

PY = sys.executable


def test_timeout_kills_the_whole_process_group(tmp_path):
    tag = f"aigchip-test-{os.getpid()}-{time.time_ns()}"
    script = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', '{tag}'])\n"
        "time.sleep(120)\n"
    )
    started = time.monotonic()
    result = process.run([PY, "-c", script, tag], cwd=tmp_path, timeout=1.0)
    assert result.timed_out and not result.ok
    assert time.monotonic() - started < 10
    time.sleep(0.2)
    assert processes_mentioning(tag) == []


def test_grandchildren_are_killed_after_a_normal_exit(tmp_path):
    tag = f"aigchip-bg-{os.getpid()}-{time.time_ns()}"
    script = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', '{tag}'])"
    result = process.run([PY, "-c", script], cwd=tmp_path, timeout=30)
    assert result.returncode == 0 and not result.timed_out
    time.sleep(0.2)
    assert processes_mentioning(tag) == []


def test_flood_of_output_is_capped_keeping_head_and_tail(tmp_path):
    script = "import sys\nsys.stdout.write('FIRST\\n' + 'x' * 50_000_000 + '\\nLAST\\n')"
    result = process.run([PY, "-c", script], cwd=tmp_path, timeout=60, head_bytes=1000, tail_bytes=1000)
    assert result.ok and result.truncated
    assert result.output.startswith("FIRST")
    assert result.output.rstrip().endswith("LAST")
    assert "cut by aigchip" in result.output
    assert len(result.output) < 3000


def test_secrets_never_reach_the_tool(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-1")
    monkeypatch.setenv("GITHUB_TOKEN", "tok-2")
    monkeypatch.setenv("DB_PASSWORD", "pw-3")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-4")
    monkeypatch.setenv("LC_HARMLESS", "visible")
    result = process.run([PY, "-c", "import os; print(sorted(os.environ.items()))"], cwd=tmp_path, timeout=30,
                         env={"GIVEN_BY_CALLER": "passed"})
    for secret in ("sk-secret-1", "tok-2", "pw-3", "aws-4"):
        assert secret not in result.output
    assert "visible" in result.output and "passed" in result.output


def test_missing_executable_is_reported_not_raised(tmp_path, limit_mechanism):
    result = process.run(["/nonexistent/iverilog-nope", "-V"], cwd=tmp_path, timeout=5)
    assert result.returncode is None and result.start_error and "iverilog-nope" in result.start_error


@pytest.fixture(params=["prlimit", "preexec"])
def limit_mechanism(request, monkeypatch):
    """Limits are set by util-linux's prlimit when installed, else by a preexec hook: test both."""
    if request.param == "preexec":
        monkeypatch.setattr(process, "_prlimit", lambda: None)
    elif process._prlimit() is None:
        pytest.skip("prlimit is not installed")
    return request.param


def test_file_size_limit_stops_a_runaway_writer(tmp_path, limit_mechanism):
    script = "f = open('big.bin', 'wb')\nfor _ in range(64): f.write(b'x' * 1024 * 1024)\n"
    result = process.run([PY, "-c", script], cwd=tmp_path, timeout=30, limits=process.Limits(file_size_mb=2))
    assert not result.ok
    assert (tmp_path / "big.bin").stat().st_size <= 2 * 1024 * 1024


def test_memory_limit_stops_a_runaway_allocation(tmp_path, limit_mechanism):
    script = "x = bytearray(3 * 1024 ** 3)\nprint('allocated')"
    result = process.run([PY, "-c", script], cwd=tmp_path, timeout=30, limits=process.Limits(address_space_mb=1024))
    assert not result.ok and "allocated" not in result.output
    assert "MemoryError" in result.output


def test_runs_in_the_given_folder_and_keeps_the_log(tmp_path):
    log = tmp_path / "tool.log"
    result = process.run([PY, "-c", "import os; print(os.getcwd())"], cwd=tmp_path, timeout=30, log_path=log)
    assert result.output.strip() == str(tmp_path)
    assert log.read_text().strip() == str(tmp_path)


def test_run_folder_is_removed_unless_kept(tmp_path):
    with process.RunFolder() as folder:
        folder.write("a.v", "module a; endmodule")
        path = folder.path
    assert not path.exists()
    with process.RunFolder(keep=tmp_path / "kept") as folder:
        folder.write("a.v", "module a; endmodule")
    assert (folder.path / "a.v").exists()


def test_unsafe_file_names_are_refused():
    for bad in ("../x.v", "/etc/passwd", "a/../../b.v", "..", ""):
        try:
            process.safe_name(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")
    assert process.safe_name("top.sv") == "top.sv"


def test_cap_text_keeps_short_text_whole():
    assert process.cap_text("short", 10, 10) == "short"
    capped = process.cap_text("a" * 100 + "b" * 100, 10, 10)
    assert capped.startswith("a" * 10) and capped.endswith("b" * 10) and "180 characters cut" in capped
