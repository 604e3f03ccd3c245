"""Synthesis with real yosys (and nextpnr-ice40 for Fmax): figures a designer reads and warnings the model sees."""

from __future__ import annotations

import pytest

from aigchip.sim import synth
from aigchip.sim.types import Design, Severity

pytestmark = pytest.mark.synth

LATCH = """module gate(input en, input [3:0] d, output reg [3:0] q);
  always @(*)
    if (en) q = d;
endmodule
"""

LOOP = """module ring(input en, input x, output y);
  wire a, b;
  assign a = b ^ x;
  assign b = a & en;
  assign y = a;
endmodule
"""

TWO_DRIVERS = """module clash(input a, input b, output y, output [1:0] z);
  assign y = a;
  assign y = b;
  assign z[0] = a;
endmodule
"""

CONSTANT = """module dead(input clk, input [7:0] a, output reg [7:0] q, output [3:0] z);
  always @(posedge clk) q <= a;
  assign z = a[3:0] & 4'd0;
endmodule
"""

MAC = """module mac(input clk, input rst, input [7:0] a, input [7:0] b, output reg [19:0] acc);
  always @(posedge clk)
    if (rst) acc <= 0;
    else acc <= acc + a * b;
endmodule
"""


def _codes(report: synth.SynthReport) -> list[str | None]:
    return [d.code for d in report.diagnostics]


def test_inferred_latch_is_reported_with_its_line() -> None:
    report = synth.synthesize(Design(files={"gate.v": LATCH}, top="gate"), fpga=None)
    latch = next(d for d in report.diagnostics if d.code == "latch")
    assert latch.file == "gate.v" and latch.line == 2 and "`q`" in latch.message
    assert latch.severity is Severity.WARNING
    assert report.cost["latches"] == 4 and report.cost["ffs"] == 0 and report.tools["yosys"]


def test_combinational_loop_names_its_wires() -> None:
    report = synth.synthesize(Design(files={"ring.v": LOOP}, top="ring"), fpga=None)
    loops = [d for d in report.diagnostics if d.code == "comb-loop"]
    assert len(loops) == 1 and loops[0].severity is Severity.ERROR
    assert "`a`" in loops[0].message and "`b`" in loops[0].message and loops[0].line in (3, 4)


def test_multiple_drivers_and_undriven_bits_are_reported_once_per_signal() -> None:
    report = synth.synthesize(Design(files={"clash.v": TWO_DRIVERS}, top="clash"), fpga=None)
    drivers = [d for d in report.diagnostics if d.code == "multiple-drivers"]
    assert len(drivers) == 1 and "module input a; module input b" in drivers[0].message
    undriven = [d for d in report.diagnostics if d.code == "undriven"]
    assert len(undriven) == 1 and "`z` (bit 1)" in undriven[0].message


def test_output_optimized_to_a_constant_is_reported() -> None:
    report = synth.synthesize(Design(files={"dead.v": CONSTANT}, top="dead"), fpga=None)
    assert _codes(report) == ["constant-output"]
    assert "`z`" in report.diagnostics[0].message and "4'b0000" in report.diagnostics[0].message


def test_clean_design_gets_generic_and_ice40_figures_and_no_warnings() -> None:
    report = synth.synthesize(Design(files={"mac.v": MAC}, top="mac"), fpga="ice40")
    assert report.diagnostics == []
    cost = report.cost
    assert cost["ffs"] == 20 and cost["fpga_ffs"] == 20 and cost["cells"] > 100
    assert cost["dsps"] == 1 and cost["brams"] == 0 and 0 < cost["luts"] < 200 and cost["fpga"] == "ice40"
    assert "fmax_mhz" not in cost


def test_per_module_figures_do_not_count_children() -> None:
    top = """module pair(input clk, input [7:0] a, input [7:0] b, output [19:0] x, output [19:0] y);
  mac m0(.clk(clk), .rst(1'b0), .a(a), .b(b), .acc(x));
  mac m1(.clk(clk), .rst(1'b0), .a(b), .b(a), .acc(y));
endmodule
"""
    report = synth.synthesize(Design(files={"pair.v": top, "mac.v": MAC}, top="pair"), fpga=None)
    assert report.modules["pair"] == {"cells": 0, "ffs": 0, "children": {"mac": 2}}
    assert report.modules["mac"]["ffs"] == 20 and report.cost["ffs"] == 40


def test_design_yosys_cannot_read_gives_a_note_not_an_exception() -> None:
    broken = "module bad(input a, output y);\n  assign y = a +;\nendmodule\n"
    report = synth.synthesize(Design(files={"bad.v": broken}, top="bad"))
    assert not report.ok and report.cost == {}
    assert report.diagnostics[0].code == "synth-failed" and "bad.v" in report.notes[0]


@pytest.mark.skipif(not __import__("shutil").which("nextpnr-ice40"), reason="nextpnr-ice40 is not installed")
def test_fmax_from_place_and_route_drops_for_a_deeper_path() -> None:
    shallow = """module shallow(input clk, input [15:0] a, input [15:0] b, output reg [15:0] y);
  always @(posedge clk) y <= a ^ b;
endmodule
"""
    deep = """module deep(input clk, input [15:0] a, input [15:0] b, output reg [31:0] y);
  always @(posedge clk) y <= a * b + {a, b} * b;
endmodule
"""
    fast = synth.synthesize(Design(files={"shallow.v": shallow}, top="shallow"), fmax=True)
    slow = synth.synthesize(Design(files={"deep.v": deep}, top="deep"), fmax=True)
    assert fast.cost["fmax_device"] == "iCE40UP5K" and fast.tools["nextpnr-ice40"]
    assert fast.cost["fmax_mhz"] > slow.cost["fmax_mhz"] > 1
