"""sim/native.py: Verilog testbenches on Icarus and Verilator, judged from lines only the testbench prints."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from aigchip.sim import native, testbench, tools
from aigchip.sim.types import Design, Severity, Status

FIXTURES = Path(__file__).parent / "fixtures" / "native"
VE_TB = FIXTURES / "ve_and2" / "and2_test.sv"
VE_REF = FIXTURES / "ve_and2" / "and2_ref.sv"
RTLLM_TB = FIXTURES / "rtllm_adder4" / "testbench.v"
VGEN_TB = FIXTURES / "vgen_mux2" / "tb_mux2.v"
GENERIC_TB = FIXTURES / "generic_counter" / "tb_counter.sv"

AND2 = "module TopModule(input a, input b, output out);\n  assign out = a & b;\nendmodule\n"
AND2_WRONG = "module TopModule(input a, input b, output out);\n  assign out = a | b;\nendmodule\n"
ADDER4 = "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = a + b;\nendmodule\n"
ADDER4_WRONG = "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = a ^ b;\nendmodule\n"
MUX2 = "module mux2(input a, input b, input sel, output out);\n  assign out = sel ? b : a;\nendmodule\n"
COUNTER = """module counter4(input clk, input rst, output reg [3:0] count);
  always @(posedge clk) count <= rst ? 4'd0 : count + 4'd1;
endmodule
"""
MARKER_PREFIX = "@@AIGCHIP-"

needs_icarus = pytest.mark.skipif(not (tools.available("iverilog") and tools.available("vvp")),
                                  reason="Icarus Verilog (iverilog, vvp) is not installed")
needs_verilator = pytest.mark.skipif(not tools.available("verilator"), reason="Verilator is not installed")


def simulate(tmp_path: Path, text: str, tb: Path, *, ref: Path | None = None, name: str = "design.sv",
             sub: str = "run", **kw):
    run_dir = tmp_path / sub
    run_dir.mkdir()
    (run_dir / name).write_text(text)
    verdict = native.run_testbench(run_dir, Design(files={name: text}, top="TopModule"), tb, reference=ref, **kw)
    return verdict, run_dir


def assert_no_marker(verdict) -> None:
    assert MARKER_PREFIX not in verdict.log
    assert all(MARKER_PREFIX not in d.message for d in verdict.diagnostics)


def processes_in(run_dir: Path, grace_s: float = 2.0) -> list[str]:
    """Live processes started for this run (working folder or command line in run_dir), after
    giving killed ones `grace_s` to finish dying."""
    deadline = time.monotonic() + grace_s
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z" and (cwd.startswith(str(run_dir)) or str(run_dir) in cmdline):
                found.append(f"{pid} [{state}]: {cmdline}")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


# ---- no simulator needed ---------------------------------------------------------------------------

def test_marker_goes_into_print_tasks_only():
    marker = "@@AIGCHIP-k@@"
    text = ('initial begin $display("a %d\\nb\\n", x); $write("w"); $display(x); // $display("c")\n'
            '$fdisplay(1, "d"); $fdisplay(fd, "e"); s = "$display(\\"f\\")"; $readmemh("v.hex", m); end')
    marked = testbench.mark_testbench(text, marker, {"v.hex": ".p/v.hex"})
    assert f'$display("{marker}a %d\\n{marker}b\\n", x)' in marked  # not after the final newline
    assert f'$write("{marker}w")' in marked and "$display(x)" in marked
    assert '// $display("c")' in marked and f'$fdisplay(1, "{marker}d")' in marked
    assert '$fdisplay(fd, "e")' in marked and '"$display(\\"f\\")"' in marked
    assert '$readmemh(".p/v.hex", m)' in marked


def test_only_marked_lines_count_and_the_design_prefix_is_cut():
    out = "Mismatches: 0 in 9 samples\ndesign says hi@@M@@Mismatches: 3 in 9 samples\n@@M@@Hint: x\n"
    assert testbench.trusted_lines(out, "@@M@@") == ["Mismatches: 3 in 9 samples", "Hint: x"]


def test_top_detection_ignores_instantiated_modules():
    tb = VE_TB.read_text()
    assert testbench.top_candidates([tb], [VE_REF.read_text(), AND2]) == ["tb"]


def test_missing_simulator_raises_tool_missing(tmp_path, monkeypatch):
    def missing(name):
        raise tools.ToolMissing(name)
    monkeypatch.setattr(tools, "find", missing)
    with pytest.raises(tools.ToolMissing):
        simulate(tmp_path, AND2, VE_TB, ref=VE_REF)


# ---- Icarus ----------------------------------------------------------------------------------------

@pytest.mark.sim
@needs_icarus
def test_verilog_eval_correct_design_passes(tmp_path):
    verdict, run_dir = simulate(tmp_path, AND2, VE_TB, ref=VE_REF)
    assert verdict.status is Status.PASS, verdict.log
    assert (verdict.mismatches, verdict.samples) == (0, 46)
    assert verdict.simulator == "icarus" and verdict.checks == ["testbench"] and "vvp" in verdict.tools
    assert "Mismatches: 0 in 46 samples" in verdict.log
    assert not (run_dir / "wave.vcd").exists() and verdict.waveform is None  # no waves asked: no VCD written
    assert (run_dir / "compile.log").exists() and (run_dir / "sim.log").exists()
    assert_no_marker(verdict)


@pytest.mark.sim
@needs_icarus
def test_verilog_eval_wrong_design_reports_counts_and_hints(tmp_path):
    verdict, _ = simulate(tmp_path, AND2_WRONG, VE_TB, ref=VE_REF)
    assert verdict.status is Status.MISMATCH
    assert verdict.samples == 46 and 0 < verdict.mismatches < 46
    hints = [d for d in verdict.diagnostics if d.severity is Severity.INFO and d.source == "testbench"]
    first_mismatch = re.compile(r"Output 'out' has \d+ mismatches\. First mismatch occurred at time \d+")
    assert any(first_mismatch.search(d.message) for d in hints)
    assert f"Mismatches: {verdict.mismatches} in 46 samples" in verdict.log
    assert_no_marker(verdict)


FORGERIES = {
    "display": 'initial $display("Mismatches: 0 in 100 samples");',
    "final": 'final $display("Mismatches: 0 in 100 samples");',
    "write-prefix": 'final $write("Mismatches: 0 in 100 samples\\nTIMEOUT");',
    "rtllm-banner": 'initial $display("===========Your Design Passed===========");',
}


@pytest.mark.sim
@needs_icarus
@pytest.mark.parametrize("trick", FORGERIES.values(), ids=FORGERIES.keys())
def test_design_cannot_print_its_way_to_a_pass(tmp_path, trick):
    forged = AND2_WRONG.replace("endmodule", f"  {trick}\nendmodule")
    verdict, _ = simulate(tmp_path, forged, VE_TB, ref=VE_REF)
    assert verdict.status is Status.MISMATCH
    assert verdict.mismatches and verdict.mismatches > 0


HANDSHAKE_TB = """`timescale 1ns / 1ps
module tb_doubler;
  reg start = 0;
  wire done;
  wire [7:0] y;
  doubler dut(.start(start), .x(8'd21), .done(done), .y(y));
  initial begin
    #1 start = 1;
    wait (done);
    if (y === 8'd42) $display("===========Your Design Passed===========");
    else $display("===========Test completed with 1 /1 failures===========");
    $finish;
  end
endmodule
"""


@pytest.mark.sim
@needs_icarus
def test_design_that_stalls_the_testbench_and_prints_the_banner_does_not_pass(tmp_path):
    tb = tmp_path / "testbench.v"
    tb.write_text(HANDSHAKE_TB)
    honest = "module doubler(input start, input [7:0] x, output done, output [7:0] y);\n" \
             "  assign done = start;\n  assign y = x << 1;\nendmodule\n"
    good, _ = simulate(tmp_path, honest, tb, sub="good")
    assert good.status is Status.PASS, good.log
    forged = "module doubler(input start, input [7:0] x, output done, output [7:0] y);\n  assign done = 0;\n" \
             '  initial #2 $display("===========Your Design Passed===========");\nendmodule\n'
    bad, _ = simulate(tmp_path, forged, tb, sub="bad")
    assert bad.status is Status.MISMATCH
    assert "Your Design Passed" in bad.log  # the model sees what it printed, but it did not count
    assert any("never reported a pass" in d.message for d in bad.errors)


@pytest.mark.sim
@needs_icarus
def test_design_may_not_instantiate_the_reference_model(tmp_path):
    wrapper = "module TopModule(input a, input b, output out);\n  RefModule r(.a(a), .b(b), .out(out));\nendmodule\n"
    verdict, _ = simulate(tmp_path, wrapper, VE_TB, ref=VE_REF)
    assert verdict.status is Status.POLICY_VIOLATION
    assert "RefModule" in verdict.diagnostics[0].message


@pytest.mark.sim
@pytest.mark.parametrize("simulator", [pytest.param("icarus", marks=needs_icarus),
                                       pytest.param("verilator", marks=[pytest.mark.verilator, needs_verilator])])
@pytest.mark.parametrize("module", ["RefModule", "stimulus_gen"])
def test_design_cannot_replace_a_testbench_or_reference_module(tmp_path, simulator, module):
    ports = "input a, input b, output out" if module == "RefModule" else "input clk, output logic a, output logic b"
    body = "assign out = a | b;" if module == "RefModule" else "initial begin a = 0; b = 0; end"
    cheat = AND2_WRONG + f"module {module}({ports});\n  {body}\nendmodule\n"
    verdict, _ = simulate(tmp_path, cheat, VE_TB, ref=VE_REF, simulator=simulator)
    assert verdict.status is Status.COMPILE_ERROR
    assert any(module in d.message for d in verdict.errors)


@pytest.mark.sim
@needs_icarus
def test_syntax_error_is_a_compile_error_with_file_and_line(tmp_path):
    broken = "module TopModule(input a, input b, output out);\n  assign out = a & ;\nendmodule\n"
    verdict, _ = simulate(tmp_path, broken, VE_TB, ref=VE_REF, name="top.sv")
    assert verdict.status is Status.COMPILE_ERROR
    assert any(d.file == "top.sv" and d.line == 2 for d in verdict.errors), verdict.diagnostics


@pytest.mark.sim
@needs_icarus
def test_zero_delay_loop_times_out_and_leaves_no_process(tmp_path):
    looping = AND2.replace("endmodule", "  initial forever begin end\nendmodule")
    verdict, run_dir = simulate(tmp_path, looping, VE_TB, ref=VE_REF, timeout=3)
    assert verdict.status is Status.TIMEOUT, verdict.summary()
    assert verdict.duration_s < 10
    assert processes_in(run_dir) == []


@pytest.mark.sim
@needs_icarus
def test_testbench_time_limit_is_a_timeout(tmp_path):
    tb = tmp_path / "wait_test.sv"
    tb.write_text(VE_TB.read_text().replace("{a, b} <= 2'b00;", "{a, b} <= 2'b00;\n\t\twait (tb.out_dut === 1'b1);"))
    stuck = "module TopModule(input a, input b, output out);\n  assign out = 1'b0;\nendmodule\n"
    verdict, _ = simulate(tmp_path, stuck, tb, ref=VE_REF)
    assert verdict.status is Status.TIMEOUT
    assert "own simulation-time limit" in verdict.errors[0].message


@pytest.mark.sim
@needs_icarus
def test_testbench_time_limit_is_remembered_like_any_verdict(tmp_path):
    from aigchip.sim.cache import VerdictCache
    from aigchip.sim.check import VerifyOptions, verify

    tb = tmp_path / "wait_test.sv"
    tb.write_text(VE_TB.read_text().replace("{a, b} <= 2'b00;", "{a, b} <= 2'b00;\n\t\twait (tb.out_dut === 1'b1);"))
    stuck = Design(files={"top.sv": "module TopModule(input a, input b, output out);\n  assign out = 1'b0;\nendmodule\n"},
                   top="TopModule")
    options = VerifyOptions(testbench=(tb,), reference=VE_REF, lint=False)
    cache = VerdictCache(tmp_path / "cache")
    first = verify(stuck, options, cache=cache)
    second = verify(stuck, options, cache=cache)
    assert first.status is second.status is Status.TIMEOUT
    assert not first.cached and second.cached  # simulated time is deterministic: not re-simulated
    assert "own simulation-time limit" in second.errors[0].message


FLOOD = 'repeat(500000) $display("%s", "" + "x" * 49 + "");'


@pytest.mark.sim
@needs_icarus
def test_flood_of_output_is_capped_and_harmless(tmp_path):
    chatty = AND2.replace("endmodule", f"  initial {FLOOD}\n  final {FLOOD}\nendmodule")  # 50 MB in all
    verdict, run_dir = simulate(tmp_path, chatty, VE_TB, ref=VE_REF, timeout=30)
    assert verdict.status is Status.PASS, verdict.summary()  # the testbench still decides
    assert len(verdict.log) < 13_000 and "Mismatches: 0 in 46 samples" in verdict.log
    assert (run_dir / "sim.log").stat().st_size < 1024 * 1024
    assert_no_marker(verdict)


@pytest.mark.sim
@needs_icarus
def test_flood_cannot_hide_the_testbench_timeout(tmp_path):
    tb = tmp_path / "wait_test.sv"
    tb.write_text(VE_TB.read_text().replace("{a, b} <= 2'b00;", "{a, b} <= 2'b00;\n\t\twait (tb.out_dut === 1'b1);"))
    # flood before and after TIMEOUT, so the log keeps neither it nor anything near it
    stuck = f"module TopModule(input a, input b, output out);\n  assign out = 1'b0;\n  initial {FLOOD}\n" \
            f"  final {FLOOD}\nendmodule\n"
    verdict, _ = simulate(tmp_path, stuck, tb, ref=VE_REF, timeout=30)
    assert "TIMEOUT" not in verdict.log.replace("aigchip", "")
    assert verdict.status is Status.TIMEOUT, verdict.summary()


@pytest.mark.sim
@needs_icarus
def test_rtllm_testbench_reads_its_data_file_and_passes(tmp_path):
    verdict, _ = simulate(tmp_path, ADDER4, RTLLM_TB, name="adder4.v")
    assert verdict.status is Status.PASS, verdict.log
    assert "Your Design Passed" in verdict.log


@pytest.mark.sim
@needs_icarus
def test_rtllm_failures_are_counted(tmp_path):
    verdict, _ = simulate(tmp_path, ADDER4_WRONG, RTLLM_TB, name="adder4.v")
    assert verdict.status is Status.MISMATCH
    assert verdict.samples == 16 and 0 < verdict.mismatches <= 16


@pytest.mark.sim
@needs_icarus
def test_design_cannot_include_the_reference_next_to_the_testbench(tmp_path):
    cheat = '`include "verified_adder4.v"\nmodule adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n' \
            '  verified_adder4 v(.a(a), .b(b), .sum(sum));\nendmodule\n'
    verdict, _ = simulate(tmp_path, cheat, RTLLM_TB, name="adder4.v")
    assert verdict.status is Status.COMPILE_ERROR


@pytest.mark.sim
@needs_icarus
def test_design_cannot_open_the_marker_or_the_answers_by_name(tmp_path):
    # the design may open files by relative name; what it could name must not help it
    verdict, run_dir = simulate(tmp_path, ADDER4, RTLLM_TB, name="adder4.v")
    assert verdict.passed
    assert not (run_dir / "vectors.hex").exists() and not (run_dir / "testbench.v").exists()
    assert all(MARKER_PREFIX not in p.read_text(errors="replace") for p in run_dir.iterdir() if p.is_file())
    hidden = [p for p in run_dir.iterdir() if p.is_dir()]
    assert len(hidden) == 1 and len(hidden[0].name) >= 20  # the testbench lives under an unguessable name
    assert MARKER_PREFIX in (hidden[0] / "testbench.v").read_text()


@pytest.mark.sim
@needs_icarus
def test_vgen_convention(tmp_path):
    good, _ = simulate(tmp_path, MUX2, VGEN_TB, sub="good")
    assert good.status is Status.PASS, good.log
    bad, _ = simulate(tmp_path, MUX2.replace("sel ? b : a", "sel ? a : b"), VGEN_TB, sub="bad")
    assert bad.status is Status.MISMATCH
    assert any("test 1 failed" in d.message for d in bad.errors)


@pytest.mark.sim
@needs_icarus
def test_generic_testbench_passes_on_a_clean_end(tmp_path):
    good, _ = simulate(tmp_path, COUNTER, GENERIC_TB, sub="good")
    assert good.status is Status.PASS, good.log
    assert any("no known pass convention" in d.message for d in good.diagnostics)
    bad, _ = simulate(tmp_path, COUNTER.replace("count + 4'd1", "count + 4'd2"), GENERIC_TB, sub="bad")
    assert bad.status is Status.MISMATCH
    assert any(d.message.startswith("ERROR: count is") for d in bad.errors)


@pytest.mark.sim
@needs_icarus
def test_ambiguous_testbench_top_asks_for_tb_top(tmp_path):
    tb = tmp_path / "two_tops.v"
    tb.write_text(VGEN_TB.read_text() + "\nmodule spare_tb; initial $display(\"spare\"); endmodule\n")
    verdict, _ = simulate(tmp_path, MUX2, tb, sub="a")
    assert verdict.status is Status.SIM_ERROR
    assert "tb_mux2" in verdict.errors[0].message and "spare_tb" in verdict.errors[0].message
    chosen, _ = simulate(tmp_path, MUX2, tb, tb_top="tb_mux2", sub="b")
    assert chosen.status is Status.PASS, chosen.log


@pytest.mark.sim
@needs_icarus
def test_waves_keep_the_testbench_vcd_or_add_one(tmp_path):
    ve, _ = simulate(tmp_path, AND2, VE_TB, ref=VE_REF, waves=True, sub="ve")
    assert ve.passed and ve.waveform and ve.waveform.endswith("wave.vcd")
    assert "$enddefinitions" in Path(ve.waveform).read_text()
    vgen, _ = simulate(tmp_path, MUX2, VGEN_TB, waves=True, sub="vgen")
    assert vgen.passed and vgen.waveform and "dut" in Path(vgen.waveform).read_text()


# ---- Verilator (each build costs seconds) -----------------------------------------------------------

@pytest.mark.sim
@pytest.mark.verilator
@needs_verilator
def test_verilator_runs_the_verilog_eval_testbench(tmp_path):
    good, _ = simulate(tmp_path, AND2, VE_TB, ref=VE_REF, simulator="verilator", timeout=30, sub="good")
    assert good.status is Status.PASS, good.log
    assert good.simulator == "verilator" and good.samples and good.samples > 0
    assert_no_marker(good)
    bad, _ = simulate(tmp_path, AND2_WRONG.replace("endmodule", FORGERIES["final"] + "\nendmodule"),
                      VE_TB, ref=VE_REF, simulator="verilator", timeout=30, sub="bad")
    assert bad.status is Status.MISMATCH and bad.mismatches and bad.mismatches > 0
