"""Self-written tests: the request is built from the module's real interface (clock and reset names, no clock
for combinational logic, handshakes that exist, latency left free when the spec leaves it), the spec is cut of
design-only wording, the tests pass at once only after one review, they are kept apart from the task's own
test and re-run from the record; feedback names a port the tests need and the design lacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip import interface, self_tests
from aigchip.bench.adapters import load
from aigchip.bench.runner import run_eval
from aigchip.config import RunConfig
from aigchip.generate import generate
from aigchip.models.local import ScriptedModel
from aigchip.loop import Agent
from aigchip.task import Task, from_folder

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "evaltruth"
ADD4 = (FIXTURES / "add4" / "add4.v").read_text()
ADD4_WRONG = ADD4.replace("a + b", "a | b")

WEAK = '''
import cocotb
from cocotb.triggers import Timer


@cocotb.test()
async def zero_plus_zero(dut):
    dut.a.value, dut.b.value = 0, 0
    await Timer(1, unit="ns")
    assert int(dut.y.value) == 0, f"a=0 b=0: y got {int(dut.y.value)} expected 0"
'''
STRONG = '''
import cocotb
from cocotb.triggers import Timer


@cocotb.test()
async def every_pair(dut):
    for a in range(16):
        for b in range(16):
            dut.a.value, dut.b.value = a, b
            await Timer(1, unit="ns")
            assert int(dut.y.value) == a + b, f"a={a} b={b}: y got {int(dut.y.value)} expected {a + b}"
'''


def fenced(code: str, language: str = "verilog") -> str:
    return f"Here it is.\n\n```{language}\n{code}\n```\n"


def config(**overrides) -> RunConfig:
    return RunConfig(**{"model": "scripted", "demos": 0, "max_iters": 3, "lint": False, "cache": False,
                        "feedback": "self"} | overrides)


def request_for(task: Task, tmp_path: Path) -> str:
    """The text of the request for tests that the loop sends for `task`."""
    model = ScriptedModel([fenced(WEAK, "python")])
    Agent(model, config(), work_dir=tmp_path)._write_self_tests(task, task.spec_text())
    return model.requests[0][-1]["content"]


# -- the request -----------------------------------------------------------------------------------------

def test_a_combinational_module_gets_no_clock_and_no_designer_wording(tmp_path):
    task = Task(id="add4", top="add4", spec={"detailed": (FIXTURES / "add4" / "task.json").read_text()
                                             and json.loads((FIXTURES / "add4" / "task.json").read_text())["spec"]},
                interface="module add4 (input [3:0] a, input [3:0] b, output [4:0] y);")
    text = request_for(task, tmp_path)
    assert "Combinational: no clock" in text and "Clock(" not in text and "RisingEdge" not in text
    assert "Give me the complete code" not in text and "back-pressure" not in text and "Reset" not in text
    assert "Drive and read only its ports: `a`, `b`, `y`." in text
    assert "At most 200 lines" in text


def test_the_clock_and_reset_are_named_as_the_interface_names_them(tmp_path):
    header = "module blink (input Clk, input rst_n, input start, output reg busy, output reg done);"
    task = Task(id="blink", top="blink", interface=header,
                spec={"detailed": "blink raises busy for 8 cycles after start, then pulses done for one cycle."})
    text = request_for(task, tmp_path)
    assert 'Clock(dut.Clk, 10, unit="ns")' in text and "dut.clk" not in text
    assert "`rst_n` (active low)" in text and "back-pressure" not in text
    assert "`start` (input), `busy` (output), `done` (output)" in text
    assert "fixes no latency" not in text  # "for 8 cycles": the spec says when


def test_a_stream_with_free_latency_is_checked_as_a_sequence_with_back_pressure(tmp_path):
    header = ("module scale2 (input clk, input rst, input in_valid, output in_ready, input [7:0] x, "
              "output out_valid, input out_ready, output [8:0] y);")
    task = Task(id="scale2", top="scale2", interface=header,
                spec={"detailed": "scale2 doubles each accepted x and emits it on y, in order. Please act as a "
                                  "professional Verilog designer. Give me the complete code."})
    text = request_for(task, tmp_path)
    assert "The specification fixes no latency" in text and "where `out_valid` is high" in text
    assert "hold `out_ready` low on random cycles" in text
    assert "professional Verilog designer" not in text and "complete code" not in text


def test_benchmark_port_lists_are_read_and_the_ask_to_implement_is_reworded():
    spec = ("I would like you to implement a module named TopModule with the following\ninterface. All input and "
            "output ports are one bit unless otherwise\nspecified.\n\n - input  clk\n - input  reset\n"
            " - input  in (8 bits)\n - output out (16 bits)\n\nCount the ones seen since reset.")
    found = interface.of_task("", spec, "TopModule")
    assert [p.declaration() for p in found.ports] == ["input clk", "input reset", "input [7:0] in", "output [15:0] out"]
    assert found.clocks == ["clk"] and found.resets == [{"name": "reset", "active_low": False}]
    assert self_tests.for_test_writer(spec).startswith("The module TopModule has the following interface.")
    rtllm = ("Please act as a professional verilog designer.\n\nModule name:\n    ctr\n\nInput ports:\n"
             "    Clk: Clock signal (1-bit).\n    wrstn: Write reset, 0 for reset.\n    d [7:0]: data.\n\n"
             "Output ports:\nq: 16-bit output.\n\nImplementation:\n    q counts.\n\nGive me the complete code.")
    found = interface.of_task("", rtllm, "ctr")
    assert [p.declaration() for p in found.ports] == ["input Clk", "input wrstn", "input [7:0] d", "output [15:0] q"]
    assert found.clocks == ["Clk"] and found.resets == [{"name": "wrstn", "active_low": True}]
    assert self_tests.for_test_writer(rtllm) == rtllm.replace("Please act as a professional verilog designer.\n\n", "") \
        .replace("\n\nGive me the complete code.", "")


def test_a_whole_accelerator_gets_room_and_its_spec_once(tmp_path):
    task = from_folder(ROOT / "datasets" / "accelbench" / "requant_s32_s8")
    text = request_for(task, tmp_path)
    assert text.count("Specification:") == 1 and text.count("Module requant_s32_s8 has inputs") == 1
    assert "fixes no latency" not in text  # "exactly two register stages": the spec fixes it
    limit = int(text.split("At most ")[1].split(" lines")[0])
    assert limit >= 400


# -- the loop ---------------------------------------------------------------------------------------------

@pytest.mark.sim
def test_tests_that_pass_at_once_are_reviewed_and_both_test_files_are_kept_and_rerun(tmp_path):
    """No interface in the spec: the tests are written from the first design's header; they pass that wrong
    design at once, the review strengthens them, the design is corrected."""
    task = from_folder(FIXTURES / "add4")
    model = ScriptedModel([fenced(ADD4_WRONG), fenced(WEAK, "python"), fenced(STRONG, "python"), fenced(ADD4)])
    _outcome, _, summary = generate(task, config(), out_dir=tmp_path / "run", model=model)
    assert "module add4 (input [3:0] a, input [3:0] b, output [4:0] y);" in model.requests[1][-1]["content"]
    assert "take one more look at the tests" in model.requests[2][-1]["content"]
    assert "a=0 b=1: y got 1 expected 1" not in model.requests[3][-1]["content"]
    assert "fails the tests you wrote" in model.requests[3][-1]["content"] and "every_pair" in model.requests[3][-1]["content"]
    assert summary["status"] == "pass" and summary["iterations"] == 2
    assert [a["status"] for a in summary["attempts"]] == ["mismatch", "pass"]
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["checks"]["self_tests"] == "checks/self_test_add4.py"
    assert (tmp_path / "run" / "checks" / "self_test_add4.py").read_text().strip() == STRONG.strip()
    for tests in (["--tests", "checks/self_test_add4.py"], ["--tb", "checks/tb_add4.v"]):
        rerun = subprocess.run([sys.executable, "-m", "aigchip.cli", "verify", "add4.v", *tests, "--no-lint", "--json"],
                               cwd=tmp_path / "run", capture_output=True, text=True, timeout=120)
        assert json.loads(rerun.stdout)["status"] == "pass", rerun.stdout + rerun.stderr


@pytest.mark.sim
def test_tests_that_pass_a_wrong_design_stop_it_and_the_summary_counts_it(tmp_path):
    root = tmp_path / "bench"
    shutil.copytree(FIXTURES / "add4", root / "add4")

    def model(task, sample):
        return ScriptedModel([fenced(ADD4_WRONG), fenced(WEAK, "python"), "TESTS OK"])

    summary = run_eval(load(root), config(), samples=1, ks=[1], out_dir=tmp_path / "out", model_factory=model)
    record = json.loads((tmp_path / "out" / "results.jsonl").read_text())
    assert record["stopped"] == "self_tests_passed_golden_failed" and record["status"] == "mismatch"
    assert record["message"].startswith("stopped after iteration 1 of 3: its self-written tests passed, then the "
                                        "task's own tests failed: mismatch")
    assert summary["self_tests_passed_golden_failed"] == 1 and summary["pass_rate_by_iteration"] == {"1": 0.0}
    assert record["replies"] == 3


@pytest.mark.sim
def test_a_port_the_testbench_needs_is_named_with_permission_to_add_it(tmp_path):
    """The spec leaves `en` out; the testbench connects it (the reference has it)."""
    folder = tmp_path / "load_en"
    shutil.copytree(FIXTURES / "needs_en", folder)
    with_en = ("module needs_en (input clk, input rst, input en, input [7:0] d, output reg [7:0] q);\n"
               "  always @(posedge clk) q <= rst ? 8'd0 : (en ? d : q);\nendmodule\n")
    (folder / "needs_en.v").write_text(with_en)
    task = from_folder(folder)
    model = ScriptedModel([fenced((FIXTURES / "needs_en" / "needs_en.v").read_text()), fenced(with_en)])
    outcome = Agent(model, config(feedback="golden")).run(task, demos=[])
    feedback = model.requests[1][-1]["content"]
    assert "The tests connect `en`, which `needs_en` does not have. Add it to `needs_en`'s ports" in feedback
    assert "keep the interface unchanged" not in feedback
    assert outcome.status.value == "pass" and outcome.iterations == 2
