"""Unbounded equivalence with ABC's PDR (real yosys, yosys-abc and Icarus): proofs where induction does not
close, counterexamples beyond the bound replayed in simulation, and x never turned into a false proof."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from aigchip.sim import equiv, equiv_pdr, process, tools
from tests.test_equiv import COUNTER, HIDDEN, PIPE, PIPE_DROPPED_RESET, POPCOUNT_LOOP, POPCOUNT_TREE, _pair

pytestmark = [pytest.mark.synth,
              pytest.mark.skipif(not tools.available("yosys-abc"), reason="yosys-abc (ships with yosys) missing")]

BINARY = """module ring(input clk, input rst, input en, output [1:0] q);
  reg [1:0] c;
  always @(posedge clk) if (rst) c <= 2'd0; else if (en) c <= c + 2'd1;
  assign q = c;
endmodule
"""
ONE_HOT = """module ring(input clk, input rst, input en, output [1:0] q);
  reg [3:0] h;
  always @(posedge clk) if (rst) h <= 4'b0001; else if (en) h <= {h[2:0], h[3]};
  assign q = {h[3] | h[2], h[3] | h[1]};
endmodule
"""  # 4'b0000 is unreachable but loops on itself with q = 0: induction of any length fails from there
SHADOWED = """module cnt(input clk, input rst, input en, output [3:0] q);
  reg [3:0] c;
  reg [7:0] shadow;
  always @(posedge clk) begin
    if (rst) begin c <= 0; shadow <= 0; end
    else begin
      if (en) c <= c + 1;
      shadow <= shadow + 1;
    end
  end
  assign q = (shadow == 8'hff) ? 4'bxxxx : c;
endmodule
"""  # COUNTER, except that q is x in one cycle of every 256
BINARY_DONT_CARE = """module ring(input clk, input rst, input en, output [1:0] q);
  reg [1:0] c;
  reg [7:0] shadow;
  always @(posedge clk) if (rst) begin c <= 2'd0; shadow <= 0; end
                        else begin shadow <= shadow + 1; if (en) c <= c + 2'd1; end
  assign q = (shadow == 8'hff) ? 2'bxx : c;
endmodule
"""  # BINARY, except that q is a don't-care in one cycle of every 256


def _simulate(folder: Path, bench: str, text: str) -> dict[str, str]:
    """Icarus on `bench` (a replay testbench) and a design: q per printed cycle."""
    folder.mkdir()
    (folder / "cnt.v").write_text(text)
    (folder / "tb.v").write_text(bench)
    built = process.run([tools.find("iverilog").path, "-o", "tb.vvp", "tb.v", "cnt.v"], cwd=folder, timeout=30)
    assert built.ok, built.output
    ran = process.run([tools.find("vvp").path, "-n", "tb.vvp"], cwd=folder, timeout=30)
    return dict(re.findall(r"cycle (\d+) q=([01x]+)", ran.output))


def test_one_hot_against_binary_is_proven_by_pdr_where_induction_does_not_close() -> None:
    bounded = _pair(ONE_HOT, BINARY, "ring", pdr=False)
    assert bounded.result == "unknown" and "induction did not close" in bounded.reason
    found = _pair(ONE_HOT, BINARY, "ring")
    assert found.result == "equivalent" and found.engine == "pdr" and found.diagnostic() is None
    assert [(e["engine"], e["result"]) for e in found.engines] == [
        ("bmc", "no_difference"), ("induction", "unknown"), ("pdr", "equivalent")]
    assert found.engines[-1]["s"] > 0 and found.tools["yosys-abc"] and "PDR" in found.method


def test_pdr_proves_where_the_bounded_check_runs_out_of_its_share_of_time() -> None:
    """A bound far too long for the time given: the bounded check stops at its share (40%), induction is
    skipped (it would stall as well), and PDR proves the pair with the time left."""
    found = _pair(ONE_HOT, BINARY, "ring", bound=20000, timeout=10)
    assert found.result == "equivalent" and found.engine == "pdr"
    assert [(e["engine"], e["result"]) for e in found.engines] == [("bmc", "unknown"), ("pdr", "equivalent")]
    assert found.engines[0]["s"] < 10 * 0.4 + 2


def test_a_broken_one_hot_is_not_proven_by_pdr() -> None:
    broken = ONE_HOT.replace("{h[2:0], h[3]}", "{h[2:0], h[2]}")  # the ring leaks: 4'b1000 goes to 4'b0000
    found = _pair(broken, BINARY, "ring", bound=3)
    assert found.result == "not_equivalent" and found.engine == "pdr" and found.counterexample.differing == ["q"]
    assert found.counterexample.first_difference > 3  # beyond the bounded check


def test_a_difference_beyond_the_bound_is_found_by_pdr_and_replays(tmp_path: Path) -> None:
    found = _pair(HIDDEN, COUNTER, "cnt", bound=6, keep=tmp_path)
    assert found.result == "not_equivalent" and found.engine == "pdr" and "replay" in found.reason
    cex = found.counterexample
    assert cex.first_difference == 258 and cex.differing == ["q"] and cex.cycles[0]["rst"] == "1"
    assert cex.outputs[257]["q"] == {"design": "0011", "reference": "0000"}  # 15 + 1 wraps; the design jumps to 3
    assert (tmp_path / "equiv_counterexample.vcd").read_text().startswith("$date")
    bench = equiv.replay_testbench(cex, "cnt", {"rst": 1, "en": 1}, {"q": 4})
    mine, theirs = _simulate(tmp_path / "design", bench, HIDDEN), _simulate(tmp_path / "reference", bench, COUNTER)
    assert mine["258"] == "0011" and theirs["258"] == "0000"
    assert all(mine[str(c)] == theirs[str(c)] for c in range(2, 258))


def test_the_dropped_reset_is_never_proven_even_beyond_the_bound() -> None:
    """The mutant that once passed as equivalent (a register that holds through reset): with the bound too
    short for the bounded check to see it, PDR must not prove it."""
    for bound in (1, 2, 3):
        found = _pair(PIPE_DROPPED_RESET, PIPE, "pipe", bound=bound)
        assert found.result == "not_equivalent" and found.engine == "pdr", found
        assert found.counterexample.differing == ["vo"]


def test_a_design_assume_does_not_narrow_the_proof() -> None:
    """An `assume` in the design (simulation ignores it) must not become a constraint that hides the
    difference; PDR finds it as if the statement were not there."""
    assuming = HIDDEN.replace("  assign q = c;", "  always @* assume (!en);\n  assign q = c;")
    found = _pair(assuming, COUNTER, "cnt", bound=6)
    assert found.result == "not_equivalent" and found.counterexample.first_difference == 258


def test_an_x_in_the_design_is_any_value_for_pdr() -> None:
    """q is x in cycle 257 where the reference counts: two-valued PDR must not read that x as a match."""
    found = _pair(SHADOWED, COUNTER, "cnt", bound=6)
    assert found.result == "not_equivalent" and found.engine == "pdr"
    cex = found.counterexample
    assert cex.first_difference == 257 and cex.outputs[256]["q"]["design"] == "xxxx"


def test_an_x_in_the_reference_leaves_pdr_unknown_not_different() -> None:
    """The reference's x is a don't-care (as in the bounded check): PDR's counterexample rests on it, the
    replay shows no difference, so the answer is unknown, with why."""
    found = _pair(ONE_HOT, BINARY_DONT_CARE, "ring", bound=6)
    assert found.result == "unknown" and "replaying it in Icarus showed none" in found.reason
    assert found.engines[-1]["engine"] == "pdr" and found.engines[-1]["result"] == "unknown"
    assert found.counterexample is None and found.engine == ""


def test_all_engines_share_one_time_limit() -> None:
    """A multiplier rewritten in a state induction cannot rule out: no engine finishes, and the three
    together stop at the limit (each process is killed at the deadline), with why."""
    gold = """module mac(input clk, input rst, input [11:0] a, input [11:0] b, output [23:0] acc);
  reg [23:0] r;
  reg [7:0] shadow;
  always @(posedge clk) if (rst) begin r <= 0; shadow <= 0; end else begin shadow <= shadow + 1; r <= r + a * b; end
  assign acc = r;
endmodule
"""
    gate = gold.replace("r <= r + a * b;", "r <= (shadow == 8'hff) ? r + a * (b - 12'd1) + a : r + a * b;")
    found = _pair(gate, gold, "mac", bound=4, timeout=6)
    assert found.result == "unknown" and ("out of time" in found.reason or "no time left" in found.reason)
    assert found.duration_s < 6 + 4  # the limit, plus starting and killing a sandboxed process


def test_combinational_designs_stay_with_the_sat_miter() -> None:
    found = _pair(POPCOUNT_TREE, POPCOUNT_LOOP, "pop8")
    assert found.result == "equivalent" and found.engine == "sat" and [e["engine"] for e in found.engines] == ["sat"]


def test_counterexample_bits_are_named_through_the_aiger_map() -> None:
    """write_aiger numbers each input bit from the least significant; the table shows the most first."""
    aiger_map = "input 0 0 aigchip_step\ninput 1 0 in_rst\ninput 2 0 in_d\ninput 3 1 in_d\ninput 4 2 in_d\n" \
                "input 5 0 in_clk\noutput 0 0 trigger\n"
    text = "# COUNTEREXAMPLE LENGTH: 2\nlo0@0=0\npi1@0=0\npi2@0=1\npi3@0=0\npi4@0=0\npi2@1=0\npi4@1=1\npi6@1=1\n# DONE\n"
    cex = equiv_pdr.read_counterexample(text, aiger_map, {"clk": 1, "rst": 1, "d": 3}, ["clk"], "rst", False)
    assert cex.cycles == [{"rst": "1", "d": "001"}, {"rst": "0", "d": "100"}]  # reset forced active in cycle 1
    low = equiv_pdr.read_counterexample(text, aiger_map, {"clk": 1, "rst": 1, "d": 3}, ["clk"], "rst", True)
    assert low.cycles[0]["rst"] == "0"
    assert equiv_pdr.read_counterexample("no counterexample", aiger_map, {"d": 3}, [], None, False) is None


def test_the_wrapper_holds_reset_only_in_the_first_cycle() -> None:
    text = equiv_pdr.wrapper({"clk": 1, "rst_n": 1, "d": 8}, "rst_n", True)
    assert "input [7:0] in_d" in text and ".in_rst_n((aigchip_started ? in_rst_n : 1'b0))" in text
    assert "reg aigchip_started = 1'b0;" in text and ".in_d(in_d)" in text


def test_verify_json_names_the_engine(tmp_path: Path) -> None:
    from tests.test_cli import aigchip

    (tmp_path / "ring.v").write_text(ONE_HOT)
    (tmp_path / "ring_ref.v").write_text(BINARY)
    done = aigchip("verify", str(tmp_path / "ring.v"), "--equiv", str(tmp_path / "ring_ref.v"), "--equiv-timeout", "60",
                   "--json", "--no-cache")
    proof = json.loads(done.stdout)["equivalence"]
    assert done.returncode == 0 and proof["result"] == "equivalent" and proof["engine"] == "pdr"
    assert [e["engine"] for e in proof["engines"]] == ["bmc", "induction", "pdr"] and proof["tools"]["yosys-abc"]
    assert json.loads(done.stdout)["tools"]["yosys-abc"]
    bad = aigchip("verify", str(tmp_path / "ring.v"), "--equiv", str(tmp_path / "ring_ref.v"), "--equiv-timeout", "0")
    assert bad.returncode == 2 and "equiv-timeout" in bad.stderr
