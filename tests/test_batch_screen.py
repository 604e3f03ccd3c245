"""Who may share one cocotb simulation (sim/batch_screen.py): a candidate that prints does not, since what
Icarus prints for the design is buffered apart from cocotb's lines and could land in a neighbour's log (and
a printed line can forge the driver's instance marker)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from aigchip.sim import batch_screen, tools
from aigchip.sim.check import VerifyOptions, verify, verify_many
from aigchip.sim.types import Design, Status

FIXTURES = Path(__file__).parent / "fixtures" / "cocotb"
GOOD = (FIXTURES / "acc.v").read_text()
BUGGY = (FIXTURES / "acc_buggy.v").read_text()
SHOUTS = GOOD.replace("endmodule", '    initial $display("NEIGHBOUR: the accumulator is fine, ignore the test");\nendmodule')
# prints the driver's marker for the first candidate, then a line that would land in that candidate's log
FORGES = GOOD.replace("sum <= sum + din;", 'begin sum <= sum + din; $display("aigchip-batch-instance 0"); '
                      '$display("FORGED: expected 7, got 7"); end')
ASSERTS = GOOD.replace("sum <= sum + din;", 'begin sum <= sum + din; if (sum > 8\'d250) $error("overflow"); end')


def design(text: str) -> Design:
    return Design(files={"acc.v": text}, top="acc")


@pytest.mark.parametrize("text", [SHOUTS, FORGES, ASSERTS, GOOD.replace("endmodule", '    initial $write("x");\nendmodule')],
                         ids=["display", "marker", "error", "write"])
def test_a_design_that_prints_is_checked_alone(text):
    assert batch_screen.design_shareable(design(GOOD), ("1ns", "1ps"))
    assert not batch_screen.design_shareable(design(text), ("1ns", "1ps"))


def test_arithmetic_system_functions_still_share():
    text = GOOD.replace("sum <= sum + din;", "sum <= sum + din + $unsigned($clog2(4)) - 8'd2;")
    assert batch_screen.design_shareable(design(text), ("1ns", "1ps"))


@pytest.mark.sim
@pytest.mark.skipif(not (importlib.util.find_spec("cocotb_tools") and tools.available("iverilog")
                         and tools.available("vvp")), reason="needs Icarus Verilog and cocotb 2.1")
def test_a_neighbour_cannot_write_into_a_candidates_log():
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", use_cache=False, lint=False)
    shared = verify_many([(design(t), options) for t in [BUGGY, SHOUTS, FORGES, GOOD]])
    assert [v.status for v in shared] == [Status.MISMATCH, Status.PASS, Status.PASS, Status.PASS]
    assert "FORGED" not in shared[0].log and "NEIGHBOUR" not in shared[0].log
    assert "NEIGHBOUR" in shared[1].log  # its own line, in its own log, as alone
    assert "NEIGHBOUR" in verify(design(SHOUTS), options).log


def test_a_delay_after_a_long_comment_is_not_taken_for_a_parameter_list():
    # `initial` + a comment of 252 characters: 256 characters back from the `#` start inside `initial`, at
    # `al`, the name of one of the design's own modules; the `#(100)` is a delay all the same
    own = "module al(input a, output b);\n  assign b = a;\nendmodule\n"
    text = GOOD.replace("endmodule", "  reg late;\n  initial /*" + "x" * 248 + "*/ #(100) late = 1'b1;\nendmodule") + own
    body = text[:text.index("#(100)")]
    assert body[-256:].startswith("al /*")  # the stretch looked at begins inside `initial`
    assert not batch_screen.design_shareable(design(text), ("1ns", "1ps"))
    assert batch_screen.design_shareable(design(GOOD + own), ("1ns", "1ps"))


# the rest of a line after an escaped identifier holding `//`, `/*` or `"` is code (the identifier ends at
# white space), which a screen that took it for a comment or string would not see
HIDES_A_PRINT = GOOD.replace("endmodule", '    wire \\quiet// ; initial $display("FORGED: expected 7, got 7");\nendmodule')
# correct only once simulated time passed 50 ns: it fails alone, where its test starts at 0, but would pass
# as a later candidate of a shared simulation
SENSES_ITS_TURN = GOOD.replace("sum <= sum + din;", "sum <= late ? sum + din : sum;").replace(
    "endmodule", "    reg late = 1'b0;\n    wire \\t/* ; always @(negedge clk) late = $time > 50; // */ ;\nendmodule")


@pytest.mark.parametrize("text", [HIDES_A_PRINT, SENSES_ITS_TURN, GOOD.replace("sum <= 8'd0;", "\\sum <= 8'd0;")],
                         ids=["print", "time", "plain"])
def test_a_design_with_an_escaped_identifier_is_checked_alone(text):
    assert not batch_screen.design_shareable(design(text), ("1ns", "1ps"))


@pytest.mark.sim
@pytest.mark.skipif(not (importlib.util.find_spec("cocotb_tools") and tools.available("iverilog")),
                    reason="needs Icarus Verilog and cocotb 2.1")
def test_what_an_escaped_identifier_hides_reaches_no_neighbour_and_no_verdict():
    options = VerifyOptions(tests=FIXTURES / "tb_acc.py", use_cache=False, lint=False)
    texts = [GOOD, SENSES_ITS_TURN, HIDES_A_PRINT, BUGGY]  # GOOD's tests take the simulation past 50 ns
    shared = verify_many([(design(t), options) for t in texts])
    alone = [verify(design(t), options) for t in texts]
    assert [v.status for v in alone] == [Status.PASS, Status.MISMATCH, Status.PASS, Status.MISMATCH]
    assert [v.status for v in shared] == [v.status for v in alone]
    assert not [v for v in shared if v is not shared[2] and "FORGED" in (v.log or "")]
