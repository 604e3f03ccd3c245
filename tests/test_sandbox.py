"""The box every tool run goes through (sim/sandbox.py, started by sim/process.py): what a run can see,
write and reach, and that nothing it starts outlives it. Each test runs real Python inside real bwrap."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from aigchip.sim import process, sandbox, tools
from tests.conftest import processes_mentioning

PY = sys.executable
needs_box = pytest.mark.skipif(process.sandbox_status() != "bubblewrap",
                               reason=f"no working bubblewrap here: {process.sandbox_status()}")


def _boxed(code: str, cwd, **kwargs) -> process.ProcessResult:
    return process.run([PY, "-c", textwrap.dedent(code)], cwd=cwd, timeout=60, **kwargs)


@needs_box
def test_home_the_cache_and_other_folders_are_out_of_sight(tmp_path, monkeypatch):
    home, run, other = tmp_path / "home", tmp_path / "run", tmp_path / "other-run"
    for folder in (home / ".ssh", run, other):
        folder.mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("PRIVATE-KEY-MATERIAL")
    (other / "reference.v").write_text("module secret_reference; endmodule")
    monkeypatch.setenv("HOME", str(home))
    cache = os.environ["AIGCHIP_CACHE_DIR"]
    result = _boxed(f"""
        import os
        for path in [{str(home / '.ssh' / 'id_rsa')!r}, {str(other / 'reference.v')!r}, {cache!r}]:
            try:
                print(path, open(path).read() if os.path.isfile(path) else os.listdir(path))
            except OSError as exc:
                print(path, 'hidden:', type(exc).__name__)
        """, run)
    assert result.ok, result.output
    assert "PRIVATE-KEY-MATERIAL" not in result.output and "secret_reference" not in result.output
    assert result.output.count("hidden: FileNotFoundError") == 3


@needs_box
def test_only_the_run_folder_is_writable(tmp_path):
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir()
    outside.mkdir()
    cache = os.environ["AIGCHIP_CACHE_DIR"]
    result = _boxed(f"""
        import os
        for path in ['kept.txt', '/tmp/scratch.txt', {str(outside / 'escaped.txt')!r}, {os.path.join(cache, 'verdicts', 'x.json')!r},
                     '/usr/escaped.txt', os.path.expanduser('~/home.txt')]:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
                open(path, 'w').write('x')
                print('wrote', path)
            except OSError as exc:
                print('refused', path, type(exc).__name__)
        """, run)
    assert "wrote kept.txt" in result.output and "wrote /tmp/scratch.txt" in result.output
    assert (run / "kept.txt").exists() and (run / "home.txt").exists()  # HOME is the run folder
    assert not (outside / "escaped.txt").exists() and os.listdir(cache) == []
    assert not os.path.exists("/tmp/scratch.txt") and not os.path.exists("/usr/escaped.txt")


@needs_box
def test_parent_processes_and_their_environment_are_not_visible(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-parent-key-77")
    result = _boxed(f"""
        import os
        print('pids', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))
        for pid in [os.getppid(), {os.getpid()}]:
            try:
                print(pid, open(f'/proc/{{pid}}/environ', 'rb').read())
            except OSError as exc:
                print(pid, 'unreadable', type(exc).__name__)
        """, tmp_path)
    assert result.ok, result.output
    assert "sk-parent-key-77" not in result.output
    pids = eval(result.output.split("pids", 1)[1].splitlines()[0])
    assert max(pids) < 20  # a fresh PID namespace: bwrap is 1, the tool a few numbers on
    assert f"{os.getpid()} unreadable FileNotFoundError" in result.output


@needs_box
def test_no_connection_leaves_the_box(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        result = _boxed(f"""
            import socket
            try:
                socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'stolen')
                print('connected')
            except OSError as exc:
                print('refused', type(exc).__name__)
            """, tmp_path)
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()
    assert "refused" in result.output and "connected" not in result.output


@needs_box
def test_aigchip_is_not_importable_inside(tmp_path):
    result = _boxed("import cocotb, cocotb_tools\ntry:\n import aigchip\n print('imported', aigchip.__path__)\n"
                    "except ImportError as exc:\n print('hidden', exc)\n", tmp_path)
    assert result.ok and "hidden" in result.output, result.output


@needs_box
def test_a_process_that_leaves_its_session_does_not_survive(tmp_path):
    tag = f"aigchip-escape-{os.getpid()}-{time.time_ns()}"
    result = _boxed(f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1000)', '{tag}'], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print('started')
        """, tmp_path)
    assert result.ok and "started" in result.output
    time.sleep(0.3)
    assert processes_mentioning(tag) == []


@needs_box
@pytest.mark.parametrize("when", ["while bwrap starts", "while the tool runs"])
def test_killing_the_parent_with_sigkill_leaves_nothing(tmp_path, when):
    tag = f"aigchip-orphan-{os.getpid()}-{time.time_ns()}"
    parent = textwrap.dedent(f"""
        import sys
        from aigchip.sim import process
        print('running', flush=True)
        process.run([sys.executable, '-c', 'import time; time.sleep(1000)', '{tag}'], cwd={str(tmp_path)!r}, timeout=900)
        """)

    def started() -> bool:
        found = [c for c in processes_mentioning(tag) if "process.run" not in c]  # not the parent itself
        return bool(found) if when == "while bwrap starts" else any(c.startswith(PY) for c in found)

    for _ in range(3 if when == "while bwrap starts" else 1):
        proc = subprocess.Popen([PY, "-c", parent], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "running"
            deadline = time.monotonic() + 30
            while not started() and time.monotonic() < deadline:
                time.sleep(0.002)
            assert started(), "the box never started"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            deadline = time.monotonic() + 5
            while [c for c in processes_mentioning(tag) if "process.run" not in c] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert processes_mentioning(tag) == []
        finally:
            proc.kill()


@needs_box
def test_a_signal_inside_the_box_reads_as_before(tmp_path):
    result = _boxed("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", tmp_path)
    assert result.returncode == -9 and result.signal_name == "SIGKILL"
    assert _boxed("raise SystemExit(3)", tmp_path).returncode == 3


@pytest.fixture
def no_box(monkeypatch):
    """This process as on a machine without bubblewrap."""
    monkeypatch.setenv(sandbox.BWRAP_VARIABLE, "off")
    monkeypatch.delenv(sandbox.ALLOW_VARIABLE, raising=False)
    process._working_bwrap.cache_clear()
    yield
    process._working_bwrap.cache_clear()


def test_without_bubblewrap_model_python_is_refused_unless_allowed(tmp_path, no_box, monkeypatch, caplog):
    assert process.sandbox_status().startswith("none")
    assert "no sandbox" in caplog.text  # said once, plainly
    with pytest.raises(tools.ToolMissing, match="model-written Python is not run without a sandbox") as refused:
        process.run([PY, "-c", "print('ran')"], cwd=tmp_path, timeout=30, box=sandbox.Box(model_python=True))
    assert refused.value.tool == "bubblewrap" and "--allow-unsandboxed-python" in str(refused.value)
    assert process.run([PY, "-c", "print('tool ran')"], cwd=tmp_path, timeout=30).output.strip() == "tool ran"
    monkeypatch.setenv(sandbox.ALLOW_VARIABLE, "1")
    allowed = process.run([PY, "-c", "print('ran')"], cwd=tmp_path, timeout=30, box=sandbox.Box(model_python=True))
    assert allowed.output.strip() == "ran"
    caplog.clear()
    process.sandbox_status()
    assert caplog.text == ""  # not said again


@pytest.mark.sim
def test_without_bubblewrap_generate_refuses_self_tests_unless_the_flag_allows_them(tmp_path):
    """`generate --feedback self` on a machine without bwrap: the model's tests are a tool_error that says
    why and what to do; with --allow-unsandboxed-python they run (and fail the wrong design)."""
    from aigchip.loopback import Loopback, Response

    design = "module add4 (input [3:0] a, input [3:0] b, output [4:0] y);\n  assign y = a | b;\nendmodule\n"
    tests = ("import cocotb\nfrom cocotb.triggers import Timer\n\n@cocotb.test()\nasync def add(dut):\n"
             "    dut.a.value, dut.b.value = 1, 1\n    await Timer(1, unit='ns')\n"
             "    assert int(dut.y.value) == 2, f'y got {int(dut.y.value)}'\n")

    def answer(body):
        asked = body["messages"][-1]["content"]
        return Response.text(f"```python\n{tests}```" if "cocotb" in asked else f"```verilog\n{design}```")

    env = {**os.environ, sandbox.BWRAP_VARIABLE: "off"}
    env.pop(sandbox.ALLOW_VARIABLE, None)
    spec = "Module add4 adds two unsigned 4-bit inputs a and b and drives their 5-bit sum on y."
    outcomes = []
    for flag in ([], ["--allow-unsandboxed-python"]):
        with Loopback(handler=answer) as server:
            result = subprocess.run([PY, "-m", "aigchip.cli", *flag, "generate", spec, "--top", "add4", "--feedback",
                                     "self", "--max-iters", "1", "--demos", "0", "--model", "loop", "--base-url",
                                     server.base_url, "--json"], capture_output=True, text=True, timeout=300, env=env)
        outcomes.append((json.loads(result.stdout)["attempts"][0], result.stderr))
    (refused, said), (allowed, _) = outcomes
    assert refused["status"] == "tool_error" and "model-written Python is not run without a sandbox" in refused["summary"]
    assert "--allow-unsandboxed-python" in refused["summary"] and "no sandbox" in said
    assert allowed["status"] == "mismatch" and "y got 1" in allowed["summary"]
