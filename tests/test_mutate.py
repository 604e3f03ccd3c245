"""Mutation testing of benchmark tasks (agent/bench/mutate.py and `aigchip bench mutate`)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.bench import mutate
from aigchip.bench.mutants import CLASSES, all_mutants, mutant_pool
from aigchip.bench.mutate import MutantResult, TaskScore, mutants

FIXTURES = Path(__file__).parent / "fixtures" / "mutate"
STRONG, WEAK = FIXTURES / "satcnt4_strong", FIXTURES / "satcnt4_weak"

DESIGN = """`timescale 1ns/1ps
// not code: y = a + b; q <= x - 1; if (rst) q <= 0; 8'd5 << 2
module unit #(parameter W = 8, parameter D = 2) (
  input  wire         clk,
  input  wire         rst_n,  // active low: x & y | z
  input  wire         sel,
  input  wire [W-1:0] a,
  input  wire [W-1:0] b,
  input  wire [W-1:0] c,
  input  wire [2:0]   sh,
  output reg  [W-1:0] q,
  output reg  [3:0]   cnt,
  output wire [W-1:0] y,
  output wire         lt,
  output wire [2*W-1:0] pair,
  output wire [W-1:0] ar
);
  localparam LIMIT = 8'd200;
  reg [W+1:0] spare = 0;
  assign y = (a & b) ^ ~(a | b);
  assign lt = (a < b) && (a != 8'hF0);
  assign pair = {a, b};
  assign ar = $signed(a) >>> 1;

  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      q <= 8'd0;
      cnt <= 4'd3;
    end else begin
      q <= sel ? (a << sh) : (b >> 1);
      cnt <= cnt - 4'd1;
      if (a >= 8'd10 && !sel)
        q <= a * b - c;
      spare[W-1:0] <= q[W-2:1];
    end
  end

  always @(posedge clk) if (q == 8'd99) $display("a - b = %d", a - b);
endmodule
"""


def changed_region(before: str, after: str) -> tuple[int, int]:
    """[start, end) of the text in `before` that `after` replaced."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    tail = 0
    while tail < min(len(before), len(after)) - start and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    return start, len(before) - tail


def edits(cls: str) -> set[tuple[str, str]]:
    return {(m.original, m.replacement) for m in all_mutants(DESIGN) if m.operator == cls}


@pytest.mark.parametrize("cls, expected", [
    ("arith", {("*", "+"), ("-", "+")}),
    ("logic", {("&", "|"), ("|", "&"), ("^", "|"), ("&&", "||"), ("~", ""), ("!", "")}),
    ("relational", {("<", ">"), ("!=", "=="), (">=", "<="), ("==", "!=")}),
    ("constant", {("4'd3", "4'd4"), ("4'd3", "4'd2"), ("1", "2"), ("1", "0"), ("8'd0", "8'd1")}),
    ("off_by_one", {("<", "<="), (">=", ">"), ("8'd10", "8'd11"), ("8'd10", "8'd9"), ("8'd99", "8'd100"),
                    ("8'hF0", "8'hF1"), ("8'hF0", "8'hEF")}),
    ("reset", {("q <= 8'd0;", ";"), ("cnt <= 4'd3;", ";")}),
    ("swap", {("(a << sh) : (b >> 1)", "(b >> 1) : (a << sh)"), ("a, b", "b, a"), ("cnt - 4'd1", "4'd1 - cnt"),
              ("b - c", "c - b")}),
    ("stuck", {("(a & b) ^ ~(a | b)", "0"), ("sel ? (a << sh) : (b >> 1)", "0"), ("a * b - c", "0"),
               ("q[W-2:1]", "0")}),
    ("shift", {("<<", ">>"), (">>", "<<"), (">>>", ">>")}),
])
def test_each_class_finds_its_sites(cls, expected):
    assert expected <= edits(cls)


def test_each_mutant_is_its_edit_applied_to_the_original_text():
    for m in all_mutants(DESIGN):
        start, _end = changed_region(DESIGN, m.text)
        assert DESIGN.count("\n", 0, start) + 1 == m.line, m
        lines = DESIGN.splitlines(keepends=True)
        line_start = sum(len(line) for line in lines[:m.line - 1])
        hits = [k for k in range(line_start, start + 1) if DESIGN.startswith(m.original, k)
                and DESIGN[:k] + m.replacement + DESIGN[k + len(m.original):] == m.text]
        assert hits, m


def test_reset_drops_only_reset_branch_assignments_and_stuck_skips_constants():
    assert {o for o, _ in edits("reset")} == {"q <= 8'd0;", "cnt <= 4'd3;"}
    assert not {o for o, _ in edits("stuck")} & {"8'd0", "4'd3", "0"}  # constant right-hand sides


def test_nothing_in_comments_strings_ranges_ports_parameters_or_directives_is_mutated():
    header = (DESIGN.index("module"), DESIGN.index(");") + 2)
    forbidden = [header, *(m.span() for m in re.finditer(r"\[[^\]]*\]", DESIGN))]
    for needle in ("`timescale 1ns/1ps", "// not code: y = a + b; q <= x - 1; if (rst) q <= 0; 8'd5 << 2",
                   "localparam LIMIT = 8'd200;", '$display("a - b = %d", a - b)'):
        forbidden.append((DESIGN.index(needle), DESIGN.index(needle) + len(needle)))
    for m in all_mutants(DESIGN):
        start, end = changed_region(DESIGN, m.text)
        inside = [span for span in forbidden if span[0] <= start < span[1] or span[0] < end <= span[1]]
        if m.operator in ("stuck", "reset", "swap"):  # these may replace a whole expression that holds a select
            inside = [span for span in forbidden if span[0] <= start < span[1]]
        assert not inside, (m.id, m.original, DESIGN[inside[0][0]:inside[0][1]])


def test_sensitivity_lists_delays_and_replication_counts_are_left_alone():
    text = "module m(input a, output reg [7:0] q);\n  always @(*) #2 q = {4{a}} * 2;\nendmodule\n"
    found = {(m.operator, m.original) for m in all_mutants(text)}
    assert ("arith", "*") in found and ("constant", "2") in found
    assert all(m.line == 2 and m.text.count("@(*)") == 1 and "#2" in m.text and "{4{a}}" in m.text
               for m in all_mutants(text) if m.operator != "stuck")


def test_literals_keep_size_base_and_digits_and_never_overflow():
    text = "module m(output [3:0] y, output [7:0] z);\n  assign y = 4'hF;\n  assign z = 8'b0000_0001 + 0;\nendmodule\n"
    found = {m.original: set() for m in all_mutants(text)}
    for m in all_mutants(text):
        found[m.original].add(m.replacement)
    assert found["4'hF"] == {"4'hE"}  # 4'h10 would not fit in 4 bits
    assert found["8'b0000_0001"] == {"8'b00000010", "8'b00000000"}
    assert found["0"] == {"1"}


def test_same_seed_same_mutants_and_another_seed_another_pick():
    first = mutants(DESIGN, seed=0, limit=12)
    assert first == mutants(DESIGN, seed=0, limit=12)
    assert any(mutants(DESIGN, seed=s, limit=12) != first for s in range(1, 6))
    assert len({m.id for m in all_mutants(DESIGN)}) == len(all_mutants(DESIGN))


def test_cap_spreads_round_robin_over_the_classes():
    pool = all_mutants(DESIGN)
    assert len(pool) > 40 and {m.operator for m in pool} == set(CLASSES)
    one_each = mutants(DESIGN, limit=len(CLASSES))
    assert sorted(m.operator for m in one_each) == sorted(CLASSES)
    two_each = mutants(DESIGN, limit=2 * len(CLASSES))
    counts = {cls: sum(m.operator == cls for m in two_each) for cls in CLASSES}
    assert all(counts[cls] == min(2, sum(m.operator == cls for m in pool)) for cls in CLASSES), counts
    assert [m.line for m in two_each] == sorted(m.line for m in two_each)  # in source order
    assert len(mutants(DESIGN, limit=None)) == len(pool)


TRIVIAL = """module fsm (input wire clk, input wire rst, input wire go, input wire [7:0] a, output reg [1:0] state,
           output reg [7:0] y, output wire [7:0] z, output wire [15:0] w);
  localparam [1:0] IDLE = 2'd0, RUN = 2'd1;
  localparam [7:0] NONE = 8'h00, ZERO = 8'd0;
  assign z = go ? {2{4'b0}} : 8'd0;
  assign w = {NONE, ZERO};
  always @(posedge clk) begin
    if (rst) state <= IDLE;
    else if (go) state <= RUN;
    y <= a + 8'd0;
  end
endmodule
"""


def test_mutants_that_rewrite_a_constant_as_itself_are_left_out():
    pool, left_out = mutant_pool(TRIVIAL)
    by_text = {(m.operator, m.original, m.replacement) for m in pool}
    assert ("stuck", "IDLE", "0") not in by_text  # IDLE is 0: state <= 0 is the same statement
    assert ("stuck", "RUN", "0") in by_text  # RUN is 1
    assert not any(m.operator == "swap" and "ZERO" in m.original for m in pool)  # two zero localparams swapped
    assert not any(m.operator == "swap" and "{2{4'b0}}" in m.original for m in pool)  # both arms are zero
    assert not any(m.original == "+" and m.replacement == "-" and m.line == 10 for m in pool)  # a + 0 == a - 0
    assert any(m.original == "8'd0" and m.line == 10 for m in pool)  # the literal itself still changes
    assert left_out == 4


def test_several_files_each_mutated_with_their_name_in_the_id():
    files = {"top.v": DESIGN, "defs.vh": "localparam W = 8;\n", "fsm.v": TRIVIAL}
    pool, _ = mutate.pool_of({k: v for k, v in files.items() if not k.endswith(mutate.HEADER_SUFFIXES)})
    assert {m.file for m in pool} == {"top.v", "fsm.v"} and all(m.id.startswith(f"{m.file}:") for m in pool)
    picked = mutate.pick(pool, limit=2 * len(CLASSES))
    assert {m.file for m in picked} == {"top.v", "fsm.v"}
    assert mutate.pick(pool, limit=10, seed=3) == mutate.pick(pool, limit=10, seed=3)


def test_notes_equivalents_with_file_names(tmp_path):
    (tmp_path / "notes.md").write_text("equivalent: `sa_pe.v:reset-L30C7` - the register is reloaded first\n")
    assert mutate.notes_equivalents(tmp_path) == {"sa_pe.v:reset-L30C7": "the register is reloaded first"}


def test_notes_equivalents(tmp_path):
    (tmp_path / "notes.md").write_text(
        "# Notes\nequivalent: swap-L20C16 - both operands are always equal here\n"
        "- **equivalent:** `constant-L3C4+1` \u2014 the bit is masked later\nsome equivalent: not-a-note\n")
    assert mutate.load_notes_equivalents(tmp_path) == {"swap-L20C16", "constant-L3C4+1"}
    assert mutate.notes_equivalents(tmp_path)["swap-L20C16"] == "both operands are always equal here"
    assert mutate.load_notes_equivalents(tmp_path / "none") == set()


def test_tally_scores_and_adjusts_for_equivalents():
    def result(i: int, outcome: str, equivalent: str | None = None) -> MutantResult:
        return MutantResult(id=f"arith-L{i}C1", operator="arith" if i % 2 else "logic", line=i, original="+",
                            replacement="-", source_line="", status="x", outcome=outcome, equivalent=equivalent)

    results = [result(1, "killed"), result(2, "killed"), result(3, "killed"), result(4, "survived", "same value"),
               result(5, "survived"), result(6, "stillborn"), result(7, "error")]
    score = mutate.tally(TaskScore(task="t", path="p"), results)
    assert (score.killed, score.survived, score.stillborn, score.errors, score.equivalent) == (3, 2, 1, 1, 1)
    assert score.score == 0.6 and score.adjusted_score == 0.75
    assert score.by_class["arith"] == {"killed": 2, "survived": 1, "stillborn": 0, "error": 1}
    assert score.by_class["logic"] == {"killed": 1, "survived": 1, "stillborn": 1, "error": 0}
    assert [r.line for r in score.survivors] == [4, 5]


@pytest.mark.parametrize("status, outcome", [("pass", "survived"), ("mismatch", "killed"), ("timeout", "killed"),
                                             ("sim_error", "killed"), ("compile_error", "stillborn"),
                                             ("policy_violation", "stillborn"), ("tool_error", "error")])
def test_outcome_of_status(status, outcome):
    assert mutate.outcome_of(status) == outcome


@pytest.mark.sim
def test_every_mutant_of_the_unit_design_still_compiles():
    from aigchip.sim.check import VerifyOptions, verify_many
    from aigchip.sim.types import Design

    options = VerifyOptions(lint=False, use_cache=False)
    verdicts = verify_many([(Design(files={"unit.v": m.text}, top="unit"), options) for m in all_mutants(DESIGN)], jobs=2)
    stillborn = [(m.id, v.summary()) for m, v in zip(all_mutants(DESIGN), verdicts) if not v.passed]
    assert not stillborn


@pytest.mark.sim
def test_strong_tests_kill_most_mutants():
    score = mutate.score_task(STRONG, limit=10)
    assert score.status == "ok" and score.check == "cocotb" and score.mutants == 10
    assert score.stillborn == 0 and score.score is not None and score.score >= 0.9, score.survivors


@pytest.mark.sim
def test_weak_tests_score_low_and_notes_adjust_the_score(tmp_path):
    task = tmp_path / "weak"
    shutil.copytree(WEAK, task)
    picked = mutants((task / "satcnt4.v").read_text(), limit=10)
    note = next(m for m in picked if m.operator == "relational")
    (task / "notes.md").write_text(f"equivalent: {note.id} - pretend, for the test\n")
    score = mutate.score_task(task, limit=10)
    assert score.status == "ok" and score.score is not None and score.score <= 0.3
    assert score.equivalent == 1 and score.adjusted_score is not None and score.adjusted_score > score.score
    survivor = next(r for r in score.survivors if r.id == note.id)
    assert survivor.equivalent == "pretend, for the test" and survivor.source_line.startswith("assign")


@pytest.mark.sim
def test_a_solution_that_fails_its_own_tests_is_reported(tmp_path):
    task = tmp_path / "broken"
    shutil.copytree(STRONG, task)
    solution = task / "satcnt4.v"
    solution.write_text(solution.read_text().replace("4'd15", "4'd14"))
    score = mutate.score_task(task, limit=5)
    assert score.status == "baseline_failed" and score.mutants == 0 and "mismatch" in score.detail


def aigchip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ.copy())


@pytest.mark.sim
def test_cli_json_and_report_tell_strong_from_weak(tmp_path):
    report = tmp_path / "report.md"
    result = aigchip("bench", "mutate", str(FIXTURES), "--limit", "6", "--min-score", "0.8", "--json",
                     "--report", str(report))
    assert result.returncode == 1, result.stdout + result.stderr
    out = json.loads(result.stdout)
    tasks = {t["task"]: t for t in out["tasks"]}
    assert out["ok"] is False and set(tasks) == {"satcnt4_strong", "satcnt4_weak"}
    assert tasks["satcnt4_strong"]["score"] >= 0.8 > tasks["satcnt4_weak"]["score"]
    assert tasks["satcnt4_weak"]["mutants"] == 6 and tasks["satcnt4_weak"]["by_class"]
    text = report.read_text()
    assert "| satcnt4_weak | icarus | ok | 6 |" in text and "satcnt4_weak: survivors" in text


def test_cli_bad_task_folder_exits_2(tmp_path):
    result = aigchip("bench", "mutate", str(tmp_path), "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["tasks"][0]["status"] == "error"
