"""The generate-check-correct loop, driven by scripted models and by a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.config import RunConfig, load_config
from aigchip.generate import generate
from aigchip.models.local import ScriptedModel
from aigchip.loop import Agent
from aigchip.models import ModelError
from aigchip.task import Task, from_text
from aigchip.sim.types import Status

EXAMPLE = Path(__file__).parent.parent / "datasets" / "examples" / "mac8"
GOOD = (EXAMPLE / "mac8.v").read_text()
BUGGY = GOOD.replace("16'sh7fff", "16'sh7ffe")
SPEC = ("A signed int8 multiply-accumulate unit `mac8` with a saturating signed 16-bit accumulator `acc`, "
        "synchronous active-high reset `rst`, enable `en`, and a sticky saturation flag `sat`.")


def fenced(code: str, prose: str = "Here is the design.") -> str:
    return f"{prose}\n\n```verilog\n{code}\n```\n"


def code_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def mac8_task(**checks) -> Task:
    return from_text(SPEC, top="mac8", **({"testbench": (EXAMPLE / "tb_mac8.v",)} | checks))


def config(**overrides) -> RunConfig:
    return RunConfig(**{"model": "scripted", "demos": 0, "max_iters": 3, "lint": False, "cache": False} | overrides)


@pytest.mark.sim
def test_bug_then_fix_passes_in_two_iterations_and_feedback_carries_the_mismatch_report():
    model = ScriptedModel([fenced(BUGGY), fenced(GOOD)])
    outcome = Agent(model, config()).run(mac8_task(), demos=[])
    assert outcome.status is Status.PASS and outcome.stopped == "pass"
    assert [a.status for a in outcome.attempts] == [Status.MISMATCH, Status.PASS]
    second_prompt = model.requests[1][-1]["content"]
    assert "mismatching samples out of 300" in second_prompt
    assert "Hint: First mismatch occurred at time" in second_prompt  # the testbench's own words reach the model
    assert "Signal values around the first mismatch" in second_prompt
    table = second_prompt.split("Signal values around the first mismatch")[1]
    marked = next(line for line in table.splitlines() if "<- first mismatch" in line)
    assert "acc" in table and "32766" in marked.split()  # the wrong saturation value, as the model's design drove it
    assert model.requests[1][-2] == {"role": "assistant", "content": fenced(BUGGY)}


@pytest.mark.sim
def test_bad_replies_become_classified_attempts_with_feedback():
    truncated = GOOD.split("always")[0]
    replies = ["I'm sorry, I can't write hardware.", "", fenced(GOOD.replace("module mac8", "module mac")),
               fenced(truncated), "\x00\ufffd\ufffd junk \udcff".encode("utf-8", "replace").decode(), fenced(GOOD)]
    model = ScriptedModel(replies)
    outcome = Agent(model, config(max_iters=6)).run(mac8_task(), demos=[])
    statuses = [a.status for a in outcome.attempts]
    assert statuses == [Status.NO_CODE, Status.NO_CODE, Status.COMPILE_ERROR, Status.COMPILE_ERROR,
                        Status.NO_CODE, Status.PASS]
    wrong_name_feedback = model.requests[3][-1]["content"]
    assert "mac8" in wrong_name_feedback and ("`mac`" in wrong_name_feedback or "'mac'" in wrong_name_feedback)


@pytest.mark.sim
def test_two_megabyte_reply_is_handled():
    padding = "This is commentary. " * 110_000
    model = ScriptedModel([padding + fenced(GOOD)])
    outcome = Agent(model, config()).run(mac8_task(), demos=[])
    assert outcome.status is Status.PASS


def test_endpoint_failure_ends_the_run_with_a_clear_message():
    model = ScriptedModel([ModelError("unreachable", "cannot reach http://127.0.0.1:9/v1: is the server running?")])
    outcome = Agent(model, config()).run(mac8_task(), demos=[])
    assert outcome.status is Status.TOOL_ERROR and outcome.stopped == "model_error"
    assert "is the server running" in outcome.message


@pytest.mark.sim
def test_token_budget_ends_the_loop_cleanly():
    from aigchip.models import Reply, Usage

    costly = Reply(text=fenced(BUGGY), usage=Usage(prompt_tokens=900, completion_tokens=200), model="m", kind="scripted")
    model = ScriptedModel([costly, fenced(GOOD)])
    outcome = Agent(model, config(budget_tokens=1000)).run(mac8_task(), demos=[])
    assert outcome.stopped == "budget" and "1100 tokens" in outcome.message
    assert outcome.status is Status.MISMATCH and len(model.requests) == 1
    assert outcome.message.startswith("the budget ran out (1100 tokens spent) after iteration 1 of 3; the best: mismatch")


@pytest.mark.sim
def test_lint_feedback_mode_still_lets_the_testbench_decide():
    model = ScriptedModel([fenced(BUGGY)])
    outcome = Agent(model, config(feedback="lint", max_iters=1)).run(mac8_task(), demos=[])
    assert outcome.attempts[0].status is Status.PASS  # it compiles: all the loop could see
    assert outcome.status is Status.MISMATCH  # the task's own testbench makes the final call


SELF_TEST = '''
import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def saturates_high(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.a.value, dut.b.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value, dut.en.value, dut.a.value, dut.b.value = 0, 1, 127, 127
    for cycle in range(4):
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    await ReadOnly()
    got = dut.acc.value.to_signed()
    assert got == 32767, f"cycle 4: acc got {got} expected 32767"
'''


@pytest.mark.sim
def test_self_mode_writes_tests_from_the_spec_then_fixes_the_design(tmp_path):
    """The spec names no ports: the tests are asked for after the first design, from its header."""
    model = ScriptedModel([fenced(BUGGY), f"```python\n{SELF_TEST}\n```", fenced(GOOD)])
    outcome = Agent(model, config(feedback="self"), work_dir=tmp_path).run(mac8_task(), demos=[])
    assert [a.status for a in outcome.attempts] == [Status.MISMATCH, Status.PASS]
    assert "acc got 32766 expected 32767" in model.requests[2][-1]["content"]
    test_request = model.requests[1][-1]["content"]
    assert "module mac8" in test_request and "Clock: `clk`" in test_request and "`rst` (active high)" in test_request
    assert outcome.status is Status.PASS and outcome.verdict.samples == 300  # the golden testbench decided
    assert (tmp_path / "self_test_mac8.py").read_text().strip() == SELF_TEST.strip()


@pytest.mark.sim
def test_generate_against_a_loopback_endpoint_writes_a_complete_record(tmp_path, monkeypatch):
    from aigchip.loopback import Loopback, Response

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-recorded-123456")
    with Loopback([Response.text(fenced(BUGGY)), Response.text(fenced(GOOD))]) as server:
        cfg = load_config({"model": "served-model", "base_url": server.base_url, "demos": 2, "lint": False},
                          env={})
        _outcome, _demos, summary = generate(mac8_task(), cfg, out_dir=tmp_path / "run")
        assert len(server.completions()) == 2
        assert server.requests[0].headers["authorization"] == "Bearer sk-test-never-recorded-123456"
        feedback = server.completions()[1].body["messages"][-1]["content"]
        assert "mismatching samples out of 300" in feedback and "Hint: First mismatch" in feedback
    assert summary["status"] == "pass" and summary["iterations"] == 2
    assert [a["status"] for a in summary["attempts"]] == ["mismatch", "pass"]
    assert summary["model"] == "served-model" and summary["files"] == ["mac8.v"]
    run = tmp_path / "run"
    assert code_lines((run / "mac8.v").read_text()) == code_lines(GOOD)
    meta = json.loads((run / "meta.json").read_text())
    assert meta["verdict"]["status"] == "pass" and meta["checks"]["testbench"] == ["checks/tb_mac8.v"]
    assert meta["toolchain"]["iverilog"] != "missing" and "generate" in meta["templates"]
    session = (run / "session.jsonl").read_text()
    assert "sk-test-never-recorded" not in session + json.dumps(meta)
    kinds = [json.loads(line)["type"] for line in session.splitlines()]
    assert kinds.count("request") == 2 and kinds.count("verdict") == 2


@pytest.mark.sim
def test_generate_cli_json_contract_with_replay(tmp_path):
    first = tmp_path / "first"
    with_scripted = ScriptedModel([fenced(BUGGY), fenced(GOOD)])
    generate(mac8_task(), config(), out_dir=first, model=with_scripted)
    result = subprocess.run(
        [sys.executable, "-m", "aigchip.cli", "generate", SPEC, "--top", "mac8", "--tb", str(EXAMPLE / "tb_mac8.v"),
         "--model", "replay", "--replay", str(first / "session.jsonl"), "--demos", "0", "--out", str(tmp_path / "again"),
         "--json"], capture_output=True, text=True, timeout=300, env={**os.environ, "AIGCHIP_DEMOS": "0"})
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    for key in ("status", "iterations", "files", "attempts", "model", "demos"):
        assert key in summary
    assert summary["status"] == "pass" and summary["iterations"] == 2
    assert all("status" in a for a in summary["attempts"])


def test_generate_cli_usage_errors_exit_2():
    result = subprocess.run([sys.executable, "-m", "aigchip.cli", "generate", "--model", "offline"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr


class InterruptedModel(ScriptedModel):
    """A person presses Ctrl-C while the second request is in flight."""

    def complete(self, messages, *, n=1, sample_index=0):
        if len(self.requests) == 1:
            raise KeyboardInterrupt
        return super().complete(messages, n=n, sample_index=sample_index)


@pytest.mark.sim
def test_ctrl_c_mid_run_leaves_a_consistent_record(tmp_path):
    model = InterruptedModel([fenced(BUGGY), fenced(GOOD)])
    with pytest.raises(KeyboardInterrupt):
        generate(mac8_task(), config(), out_dir=tmp_path, model=model)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["stopped"] == "interrupted" and meta["status"] == "mismatch"
    assert [a["status"] for a in meta["attempts"]] == ["mismatch"]
    events = [json.loads(line) for line in (tmp_path / "session.jsonl").read_text().splitlines()]
    assert events[-1]["type"] == "interrupted"
    assert code_lines((tmp_path / "mac8.v").read_text()) == code_lines(BUGGY)  # the best design so far is kept


@pytest.mark.sim
def test_a_native_task_folder_is_a_spec_with_its_own_tests(tmp_path):
    from aigchip.task import from_folder

    task = from_folder(EXAMPLE)
    assert task.top == "mac8" and task.tests is not None and "module mac8" in task.interface
    model = ScriptedModel([fenced(GOOD)])
    _outcome, _, summary = generate(task, config(), out_dir=tmp_path, model=model)
    assert summary["status"] == "pass"
    prompt = model.requests[0][-1]["content"]
    assert "sticky output sat" in prompt and "input  wire signed  [7:0] a" in prompt
    assert "acc <= sum[15:0]" not in prompt  # the reference design is never shown to the model


def test_task_folder_errors_are_clear(tmp_path):
    from aigchip.task import from_folder

    with pytest.raises(ValueError, match=r"no task\.json"):
        from_folder(tmp_path)
    (tmp_path / "task.json").write_text('{"top": "x", "spec": {}, "tests": "../../etc/passwd"}')
    with pytest.raises(ValueError, match="spec"):
        from_folder(tmp_path)


@pytest.mark.sim
def test_self_mode_against_a_loopback_endpoint(tmp_path, monkeypatch):
    from aigchip.loopback import Loopback, Response

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    replies = [Response.text(fenced(BUGGY)), Response.text(f"```python\n{SELF_TEST}\n```"), Response.text(fenced(GOOD))]
    with Loopback(replies) as server:
        cfg = load_config({"model": "served", "base_url": server.base_url, "demos": 0, "lint": False,
                           "feedback": "self"}, env={})
        task = mac8_task(testbench=(), tests=EXAMPLE / "test_mac8.py")  # the task's own test_mac8.py decides
        _outcome, _, summary = generate(task, cfg, out_dir=tmp_path)
        third = server.completions()[2].body["messages"][-1]["content"]
    assert "acc got 32766 expected 32767" in third and "decide who is wrong" in third
    assert summary["status"] == "pass" and summary["iterations"] == 2
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["checks"]["self_tests"] == "checks/self_test_mac8.py"
    kept = (tmp_path / "checks" / "self_test_mac8.py").read_text()
    assert kept.strip() == SELF_TEST.strip() and meta["checks"]["tests"] == "checks/test_mac8.py"
    assert (tmp_path / "checks" / "test_mac8.py").read_text() != kept  # the task's own test, kept apart


def test_dead_endpoint_gives_a_clear_error_and_no_traceback(tmp_path):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again on exit: nothing listens there
    env = {**os.environ, "AIGCHIP_MAX_RETRIES": "0", "AIGCHIP_TIMEOUT": "5"}
    result = subprocess.run([sys.executable, "-m", "aigchip.cli", "generate", SPEC, "--top", "mac8", "--model", "m",
                             "--base-url", f"http://127.0.0.1:{port}/v1", "--demos", "0", "--json", "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "tool_error" and summary["stopped"] == "model_error"
    assert str(port) in summary["message"] and "Traceback" not in result.stderr
