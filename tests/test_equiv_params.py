"""Equivalence under the top's parameters (verify --param, explore): both designs are proven at the values
every other tool uses, not at their defaults (real yosys)."""

from __future__ import annotations

import pytest

from aigchip.sim import equiv, tools
from aigchip.sim.equiv_cex import Counterexample, replay_testbench
from aigchip.sim.types import Design

pytestmark = [pytest.mark.synth, pytest.mark.skipif(not tools.available("yosys"), reason="needs yosys")]

REFERENCE = """module inc #(parameter W = 4) (input [7:0] a, output [7:0] y);
  assign y = a + 8'd1;
endmodule
"""
# the same as the reference at W = 4 only
DESIGN = """module inc #(parameter W = 4) (input [7:0] a, output [7:0] y);
  assign y = (W == 4) ? a + 8'd1 : a + 8'd2;
endmodule
"""


def one(text: str) -> Design:
    return Design(files={"inc.v": text}, top="inc")


def test_the_proof_sees_the_parameters_every_other_tool_sees():
    assert equiv.check(one(DESIGN), one(REFERENCE), timeout=60).result == "equivalent"
    assert equiv.check(one(DESIGN), one(REFERENCE), timeout=60, parameters=(("W", 4),)).result == "equivalent"
    found = equiv.check(one(DESIGN), one(REFERENCE), timeout=60, parameters=(("W", 8),))
    assert found.result == "not_equivalent" and found.counterexample is not None


def test_a_replayed_counterexample_sets_the_parameters_on_the_instance():
    cex = Counterexample(cycles=[{"a": "00000001"}], outputs=[], first_difference=1, differing=[], clocks=[])
    bench = replay_testbench(cex, "inc", {"a": 8}, {"y": 8}, parameters=(("W", 8), ("N", 2)))
    assert "inc #(.W(8), .N(2)) dut(" in bench
    assert "inc dut(" in replay_testbench(cex, "inc", {"a": 8}, {"y": 8})
