"""Which checks start first: known durations, and on a cold cache a static guess from the tests' text
(bench/estimate.py), so one long check is not left to run alone at the end. Order only, never a verdict."""

from __future__ import annotations

import json
from pathlib import Path

from aigchip.bench import durations, preflight
from aigchip.bench.adapters import load
from aigchip.bench.estimate import python_weight, task_weight, verilog_weight
from aigchip.config import RunConfig
from aigchip.sim.check import verify_many

COUNTER = """module counter(input wire clk, input wire rst, output reg [31:0] n);
  always @(posedge clk) n <= rst ? 32'd0 : n + 32'd1;
endmodule
"""
# a VerilogEval-style testbench that clocks the counter CYCLES times and then compares once
TESTBENCH = """`timescale 1ns/1ps
module tb;
  reg clk = 0, rst = 1;
  wire [31:0] n;
  integer errors = 0;
  counter dut(.clk(clk), .rst(rst), .n(n));
  always #5 clk = ~clk;
  initial begin
    @(negedge clk) rst = 0;
    repeat (CYCLES) @(negedge clk);
    if (n !== CYCLES) errors = errors + 1;
    $display("Mismatches: %0d in 1 samples", errors);
    $finish;
  end
endmodule
"""


def test_loops_are_counted_nested_ones_multiplied_and_comments_ignored():
    assert verilog_weight("module tb; initial begin #10 $finish; end endmodule") == 1
    assert verilog_weight("initial begin repeat (400) @(posedge clk); $finish; end") == 401
    assert verilog_weight("repeat (32'd100) @(posedge clk);") == 101
    assert verilog_weight("repeat (1_000) @(posedge clk);") == 1001
    # two loops one after the other add; a loop around a block multiplies what the block runs
    assert verilog_weight("repeat (5) @(posedge clk); repeat (3) @(posedge clk);") == 1 + 5 + 3
    assert verilog_weight("repeat (10) begin repeat (20) @(posedge clk); x = 1; end repeat (2) @(posedge clk);") \
        == 1 + 10 + 200 + 2
    assert verilog_weight("repeat (4) repeat (5) @(posedge clk);") == 1 + 4 + 20
    assert verilog_weight("for (i = 0; i < 32; i = i + 1) begin a = i; end") == 33
    assert verilog_weight("for (int i = 0; i <= 32; i++) @(posedge clk);") == 34
    assert verilog_weight("for (i = 0; i < N; i = i + 1) x = i;") == 2  # not a literal: counted once
    assert verilog_weight("fork repeat (7) @(posedge clk); join repeat (2) @(posedge clk);") == 1 + 7 + 2
    assert verilog_weight("// repeat (100000) @(posedge clk);\n/* repeat (9) */ repeat (3) x = 1;") == 4
    assert verilog_weight("repeat (99999999999999999999) @(posedge clk);") == 10 ** 12  # capped, not unbounded


def test_cocotb_loops_are_counted():
    tests = ("import cocotb\nfrom cocotb.triggers import ClockCycles\n\n@cocotb.test()\nasync def t(dut):\n"
             "    for i in range(1000):\n        await ClockCycles(dut.clk, 10)\n    for j in range(2, 8):\n        pass\n")
    assert python_weight(tests) == 1 + 1000 + 10 + 8
    assert python_weight("async def t(dut):\n    await Timer(5, 'ns')\n") == 1


def test_known_durations_win_and_unknown_ones_are_guessed_from_their_weight():
    items = ["a", "b", "c", "d"]
    # cold: nothing known, the weights alone order; equal guesses keep their order
    assert durations.longest_first(items, {}, str, {"a": 10, "b": 5000, "c": 10, "d": 20}) == ["b", "d", "a", "c"]
    assert durations.longest_first(items, {}, str) == items
    # known durations win over any weight
    assert durations.longest_first(items, {"a": 0.01, "b": 0.02, "c": 3.0, "d": 0.5}, str,
                                   {"a": 10 ** 9}) == ["c", "d", "b", "a"]
    # a task of the median weight counts as a typical known task; a far heavier one as far longer
    known = {"a": 0.1, "b": 0.2, "c": 0.3}
    assert durations.longest_first(["a", "b", "c", "new"], known, str, {"a": 10, "b": 100, "c": 1000, "new": 100}) \
        == ["c", "b", "new", "a"]
    assert durations.longest_first(["a", "b", "c", "new"], known, str, {"a": 10, "b": 100, "c": 100, "new": 10_000}) \
        == ["new", "c", "b", "a"]


def _bench(root: Path, cycles: dict[str, int]) -> Path:
    for name, count in cycles.items():
        folder = root / name
        folder.mkdir(parents=True)
        (folder / "tb.v").write_text(TESTBENCH.replace("CYCLES", str(count)))
        (folder / "counter.v").write_text(COUNTER)
        (folder / "task.json").write_text(json.dumps({"id": name, "top": "counter", "testbench": "tb.v",
                                                      "solution": "counter.v", "spec": f"{name}: a counter."}))
    return root


def test_on_a_cold_cache_the_long_check_starts_first_and_every_verdict_stays(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    cycles = {"a_quick": 10, "b_quick": 20, "c_quick": 30, "d_quick": 5, "z_long": 100_000}
    bench = load(_bench(tmp_path / "bench", cycles))
    assert task_weight(bench.tasks[-1].testbench, None) == 100_001
    started: list[str] = []

    def recording(pairs, jobs=2):  # verify_many starts the checks in the order it is given them
        started.extend(options.testbench[0].parent.name for _, options in pairs)
        return verify_many(pairs, jobs=jobs)

    config = RunConfig(model="reference", lint=False, cache=True)
    found = preflight.check_references(bench.tasks, config, jobs=2, check=recording, benchmark="counters")
    assert started[0] == "z_long"  # listed last, checked first
    assert {task: f["state"] for task, f in found.items()} == dict.fromkeys(cycles, preflight.SOUND)
    # its duration is remembered, and a known duration wins over the guess on the next run
    known = durations.load("counters")
    assert set(known) == set(cycles) and known["z_long"] == max(known.values())
    assert durations.longest_first(bench.tasks, known, lambda t: t.id)[0].id == "z_long"
    durations.remember("counters", {"a_quick": 1000.0})
    started.clear()
    preflight.check_references(bench.tasks, config, jobs=2, check=recording, benchmark="counters")
    assert started[:2] == ["a_quick", "z_long"]


def test_a_literal_too_long_for_an_int_weighs_the_most_and_raises_nothing():
    """Python refuses to read an integer of over 4300 digits; a guess of a task's length must not end the run."""
    huge = "9" * 5000
    assert verilog_weight(f"initial begin repeat ({huge}) #1 x = ~x; end") == 10 ** 12  # the most a weight is
    assert python_weight(f"for _ in range({huge}): pass") == 1 + 10 ** 12
