"""One writer per output folder: generate, eval and accel hold --out; a second run fails at once naming the
first one's pid; the lock dies with its process (kill -9 included); --resume refuses another run's folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigchip.record import LOCK, FolderBusy, exclusive

EVALTRUTH = Path(__file__).parent / "fixtures" / "evaltruth"
HOLD = "import sys, time; from pathlib import Path; from aigchip.record import exclusive\n" \
       "with exclusive(Path(sys.argv[1]), 'eval'):\n    print('held', flush=True); time.sleep(120)\n"


@pytest.fixture
def held(tmp_path):
    """A folder another process holds, and that process."""
    folder = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield folder, holder
    holder.kill()
    holder.wait()


def aigchip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [
    ["eval", str(EVALTRUTH), "--model", "reference"],
    ["generate", "an 8-bit counter", "--model", "offline"],
    ["accel", "a dot-product unit", "--model", "gpt-4o", "--base-url", "http://127.0.0.1:9", "--yes"],
])
def test_a_second_run_on_the_same_folder_fails_at_once_naming_the_first(held, command):
    folder, holder = held
    started = time.monotonic()
    ran = aigchip(*command, "--out", str(folder))
    assert ran.returncode == 2, ran.stderr
    assert f"pid {holder.pid}: aigchip eval" in ran.stderr and "in use by another aigchip run" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in folder.iterdir()) == [LOCK]  # nothing of the second run was written


def test_the_lock_dies_with_a_killed_run(held):
    folder, holder = held
    with pytest.raises(FolderBusy, match=f"pid {holder.pid}"):
        with exclusive(folder, "eval"):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with exclusive(folder, "generate"):
        assert (folder / LOCK).read_text() == f"pid {os.getpid()}: aigchip generate\n"
    with exclusive(folder, "eval"):  # released on leaving, too
        pass


def test_resume_refuses_a_folder_of_another_model_or_benchmark_even_after_a_kill(tmp_path):
    from aigchip.bench.adapters import load
    from aigchip.bench.runner import EvalError, run_eval
    from aigchip.config import RunConfig

    def killed(pairs, jobs=1):  # the first run dies in its pre-flight, before any summary is written
        raise KeyboardInterrupt

    out = tmp_path / "out"
    bench = load(EVALTRUTH)
    with pytest.raises(KeyboardInterrupt):
        run_eval(bench, RunConfig(model="model-a", demos=0, cache=False), samples=1, ks=[1], out_dir=out,
                 check=killed, task_glob="add4")
    assert not (out / "summary.json").exists()
    with pytest.raises(EvalError, match="model: 'model-a' then, 'model-b' now"):
        run_eval(bench, RunConfig(model="model-b", demos=0, cache=False), samples=1, ks=[1], out_dir=out,
                 resume=True, check=killed, task_glob="add4")
    other = load(Path(__file__).parent / "fixtures" / "bench" / "verilog_eval")
    with pytest.raises(EvalError, match="benchmark: "):
        run_eval(other, RunConfig(model="model-a", demos=0, cache=False), samples=1, ks=[1], out_dir=out,
                 resume=True, check=killed)
