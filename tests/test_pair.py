"""sim/pair.py: two tools in one box (iverilog then vvp), each with its own output, status and timeout."""

import os
import re
import sys
import time

import pytest

from aigchip.sim import pair, process
from tests.conftest import processes_mentioning

SH = "/bin/sh"


def step(script: str) -> list[str]:
    return [SH, "-c", script]


def test_the_second_step_runs_only_after_the_first_succeeds(tmp_path):
    first, second = pair.run_pair(step("echo compiled; echo built > out.txt"), step("cat out.txt; echo simulated"),
                                  cwd=tmp_path, first_timeout=30, timeout=30)
    assert first.ok and first.output.strip() == "compiled"
    assert second is not None and second.ok
    assert second.output.split() == ["built", "simulated"]  # the first step's file, none of its output


def test_a_failing_first_step_keeps_its_status_and_output_and_the_second_never_starts(tmp_path):
    first, second = pair.run_pair(step("echo 'syntax error' >&2; exit 3"), step("touch ran.txt"),
                                  cwd=tmp_path, first_timeout=30, timeout=30)
    assert first.returncode == 3 and not first.ok and "syntax error" in first.output
    assert second is None and not (tmp_path / "ran.txt").exists()


def test_the_second_steps_status_and_kept_lines_are_its_own(tmp_path):
    second_script = "echo 'KEEP 1'; i=0; while [ $i -lt 3000 ]; do echo filler-line-$i; i=$((i+1)); done; echo 'KEEP 2'; exit 5"
    first, second = pair.run_pair(step("echo KEEP-not-mine"), step(second_script), cwd=tmp_path, first_timeout=30,
                                  timeout=30, keep_lines=re.compile(rb"KEEP"), head_bytes=200, tail_bytes=200)
    assert first.ok
    assert second is not None and second.returncode == 5 and second.truncated
    assert second.kept_lines.splitlines() == ["KEEP 1", "KEEP 2"]  # only the second step's, whatever was cut


def test_output_that_looks_like_a_separator_does_not_move_the_split(tmp_path):
    fake = "\naigchip-step-" + "0" * 32 + "\n"
    first, second = pair.run_pair(step(f"printf '{fake}'; echo first-done"), step(f"printf '{fake}'; echo second-done"),
                                  cwd=tmp_path, first_timeout=30, timeout=30)
    assert "first-done" in first.output and "second-done" not in first.output
    assert second is not None and "second-done" in second.output and "first-done" not in second.output


def test_each_step_has_its_own_timeout(tmp_path):
    started = time.monotonic()
    first, second = pair.run_pair(step("sleep 1; echo compiled"), step("sleep 60"), cwd=tmp_path,
                                  first_timeout=30, timeout=1.5)
    assert first.ok and "compiled" in first.output  # a slow first step does not eat the second's time
    assert second is not None and second.timed_out
    assert time.monotonic() - started < 20
    first, second = pair.run_pair(step("sleep 60"), step("touch ran.txt"), cwd=tmp_path, first_timeout=1.0, timeout=30)
    assert first.timed_out and second is None and not (tmp_path / "ran.txt").exists()


def test_nothing_either_step_started_outlives_the_run(tmp_path):
    tag = f"aigchip-pair-{os.getpid()}-{time.time_ns()}"
    sleeper = f"{sys.executable} -c 'import time; print(\"up\", flush=True); time.sleep(120)' {tag} &"
    first, second = pair.run_pair(step(f"{sleeper} sleep 1"), step(f"{sleeper} sleep 1"), cwd=tmp_path,
                                  first_timeout=30, timeout=30)
    assert "up" in first.output and second is not None and "up" in second.output  # both started one
    time.sleep(0.2)
    assert processes_mentioning(tag) == []


def test_both_steps_share_one_box(tmp_path, monkeypatch):
    if process.sandbox_status() != "bubblewrap":
        pytest.skip("needs bubblewrap")
    started = []
    real = process._execute
    monkeypatch.setattr(process, "_execute", lambda launch, **kw: started.append(launch) or real(launch, **kw))
    first, second = pair.run_pair(step("echo a"), step("echo b"), cwd=tmp_path, first_timeout=30, timeout=30)
    assert first.ok and second is not None and second.ok
    assert len(started) == 1 and os.path.basename(started[0][0]) == "bwrap"
    boxed = pair.run_pair(step("cat /proc/1/cmdline | tr '\\0' ' '"), step("ls /proc | grep -c '^[0-9]'"),
                          cwd=tmp_path, first_timeout=30, timeout=30)
    assert "aigchip-gate" in boxed[0].output  # the gate of sim/sandbox.py is the box's first process


def test_a_missing_tool_is_a_start_error(tmp_path):
    first, second = pair.run_pair(["/nonexistent/iverilog"], step("true"), cwd=tmp_path, first_timeout=30, timeout=30)
    assert first.start_error and "/nonexistent/iverilog" in first.start_error and second is None


# -- three steps: a lint that need not succeed, then the pair -------------------------------------------

def test_a_step_that_need_not_succeed_keeps_its_status_and_output_and_the_others_still_run(tmp_path):
    lint, compiled, ran = pair.run_steps([pair.Step(step("echo '%Warning: odd'; exit 1"), 30, must_succeed=False),
                                          pair.Step(step("echo compiled"), 30), pair.Step(step("echo ran; exit 4"), 30)],
                                         cwd=tmp_path)
    assert lint is not None and lint.returncode == 1 and lint.output.strip() == "%Warning: odd"
    assert compiled is not None and compiled.ok and compiled.output.strip() == "compiled"
    assert ran is not None and ran.returncode == 4 and ran.output.strip() == "ran"


def test_each_of_three_steps_keeps_its_own_output_whatever_each_prints(tmp_path):
    fake = "\\naigchip-step-" + "0" * 32 + " 0\\n"
    steps = [pair.Step(step(f"printf '{fake}'; echo lint-done; printf 'no newline'"), 30, must_succeed=False),
             pair.Step(step(f"printf '{fake}'; echo compile-done"), 30),
             pair.Step(step(f"printf '{fake}'; echo sim-done; exit 2"), 30)]
    lint, compiled, ran = pair.run_steps(steps, cwd=tmp_path)
    assert lint is not None and compiled is not None and ran is not None
    assert "lint-done" in lint.output and lint.output.endswith("no newline") and lint.returncode == 0
    assert "compile-done" in compiled.output and "lint-done" not in compiled.output and "sim-done" not in compiled.output
    assert "sim-done" in ran.output and "compile-done" not in ran.output and ran.returncode == 2


def test_a_failing_middle_step_stops_the_last_and_a_killed_lint_reports_its_signal(tmp_path):
    lint, compiled, ran = pair.run_steps([pair.Step(step("kill -SEGV $$"), 30, must_succeed=False),
                                          pair.Step(step("echo 'syntax error' >&2; exit 3"), 30),
                                          pair.Step(step("touch ran.txt"), 30)], cwd=tmp_path)
    assert lint is not None and lint.returncode == -11 and lint.signal_name == "SIGSEGV"
    assert compiled is not None and compiled.returncode == 3 and "syntax error" in compiled.output
    assert ran is None and not (tmp_path / "ran.txt").exists()


def test_a_step_that_overruns_its_time_ends_the_box_and_the_next_steps_never_start(tmp_path):
    started = time.monotonic()
    lint, compiled, ran = pair.run_steps([pair.Step(step("echo linting; sleep 60"), 1.0, must_succeed=False),
                                          pair.Step(step("touch compiled.txt"), 30), pair.Step(step("true"), 30)],
                                         cwd=tmp_path)
    assert lint is not None and lint.timed_out and "linting" in lint.output
    assert compiled is None and ran is None and not (tmp_path / "compiled.txt").exists()
    assert time.monotonic() - started < 20
    # the time of each step counts from its own start: a slow lint does not eat the simulation's
    lint, compiled, ran = pair.run_steps([pair.Step(step("sleep 1"), 30, must_succeed=False),
                                          pair.Step(step("sleep 1"), 30), pair.Step(step("sleep 60"), 1.5)], cwd=tmp_path)
    assert lint is not None and lint.ok and compiled is not None and compiled.ok
    assert ran is not None and ran.timed_out


# -- a first step in the background, beside the second ----------------------------------------------

def bg(script: str, timeout: float = 30) -> pair.Step:
    return pair.Step(step(script), timeout, must_succeed=False, background=True)


def test_a_background_step_runs_beside_the_next_and_each_keeps_its_own_output_and_status(tmp_path):
    fake = "\\naigchip-step-" + "0" * 32 + " 0\\n"
    # the background step waits for a file the second step makes: it would never end if they ran in turn
    lint, compiled, ran = pair.run_steps(
        [bg(f"while [ ! -f go ]; do sleep 0.05; done; printf '{fake}'; echo lint-saw-go; exit 1"),
         pair.Step(step(f"touch go; printf '{fake}'; echo compiled"), 30), pair.Step(step("echo ran; exit 6"), 30)],
        cwd=tmp_path)
    assert lint is not None and lint.returncode == 1 and "lint-saw-go" in lint.output and "compiled" not in lint.output
    assert compiled is not None and compiled.ok and "compiled" in compiled.output and "lint" not in compiled.output
    assert ran is not None and ran.returncode == 6 and ran.output.strip() == "ran"


def test_a_failing_second_step_still_tells_the_background_steps_output_and_the_last_never_runs(tmp_path):
    lint, compiled, ran = pair.run_steps([bg("echo '%Warning: x'; kill -SEGV $$"),
                                          pair.Step(step("echo 'syntax error'; exit 3"), 30),
                                          pair.Step(step("touch ran.txt"), 30)], cwd=tmp_path)
    assert lint is not None and lint.returncode == -11 and "%Warning: x" in lint.output
    assert compiled is not None and compiled.returncode == 3 and "syntax error" in compiled.output
    assert ran is None and not (tmp_path / "ran.txt").exists()


def test_a_background_step_that_overruns_its_time_counts_from_the_boxs_start(tmp_path):
    lint, compiled, ran = pair.run_steps([bg("echo linting; sleep 60", timeout=1.5),
                                          pair.Step(step("echo compiled"), 30), pair.Step(step("touch ran.txt"), 30)],
                                         cwd=tmp_path)
    assert compiled is not None and compiled.ok and "compiled" in compiled.output
    assert lint is not None and lint.timed_out and ran is None and not (tmp_path / "ran.txt").exists()
    assert lint.output.strip() == "linting"  # what it said before its time ran out
    with pytest.raises(ValueError):
        pair.run_steps([bg("true"), pair.Step(step("true"), 30)], cwd=tmp_path)
