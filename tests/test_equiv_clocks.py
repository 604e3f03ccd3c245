"""The proof engines (yosys's sat -seq, temporal induction, ABC's PDR) step every flip-flop once per cycle,
so a design clocked by its own logic, or by more than one clock or edge, cannot be proven or refuted that
way: the answer is `unknown`, never a false `equivalent` (real yosys)."""

from __future__ import annotations

import pytest

from aigchip.sim import equiv, tools
from aigchip.sim.types import Design

pytestmark = [pytest.mark.synth, pytest.mark.skipif(not tools.available("yosys"), reason="needs yosys")]

COUNTER = """module cnt(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) if (rst) q <= 4'd0; else q <= q + 4'd1;
endmodule
"""
# counts every other cycle: its counter is clocked by a divided clock
HALF_RATE = """module cnt(input clk, input rst, output reg [3:0] q);
  reg div = 1'b0;
  always @(posedge clk) div <= ~div;
  always @(posedge div) if (rst) q <= 4'd0; else q <= q + 4'd1;
endmodule
"""
# the counter seen one cycle late
PIPELINED = """module cnt(input clk, input rst, output reg [3:0] q);
  reg [3:0] c;
  always @(posedge clk) if (rst) c <= 4'd0; else c <= c + 4'd1;
  always @(posedge clk) q <= c;
endmodule
"""
# the same in simulation through a half-cycle register on the falling edge (two cycles as the engines model it)
BOTH_EDGES = """module cnt(input clk, input rst, output reg [3:0] q);
  reg [3:0] c, h;
  always @(posedge clk) if (rst) c <= 4'd0; else c <= c + 4'd1;
  always @(negedge clk) h <= c;
  always @(posedge clk) q <= h;
endmodule
"""
SAME_RECODED = """module cnt(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) q <= rst ? 4'd0 : q - 4'hf;
endmodule
"""


def one(text: str) -> Design:
    return Design(files={"cnt.v": text}, top="cnt")


def test_a_design_clocked_by_its_own_logic_is_not_proven_equivalent():
    found = equiv.check(one(HALF_RATE), one(COUNTER), timeout=60)
    assert found.result == "unknown" and "clock" in found.reason


def test_flip_flops_on_both_edges_are_not_proven_either_way():
    found = equiv.check(one(BOTH_EDGES), one(PIPELINED), timeout=60)
    assert found.result == "unknown" and "edge" in found.reason


def test_one_clock_one_edge_is_still_proven():
    assert equiv.check(one(SAME_RECODED), one(COUNTER), timeout=60).result == "equivalent"
