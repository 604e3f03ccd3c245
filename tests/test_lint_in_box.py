"""Verilator's lint as the first step of an Icarus testbench check's box (sim/lint_step.py, sim/pair.py): the
model sees exactly what a lint in a box of its own, beside the simulation, shows it; the verdict is the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aigchip.sim import Design, Status, VerifyOptions, check, lint, process, tools

pytestmark = pytest.mark.skipif(not tools.available("verilator"), reason="needs Verilator")

VERILOG_EVAL = Path(__file__).parent / "fixtures" / "bench" / "verilog_eval"
GOOD = (VERILOG_EVAL / "Prob002_count4_ref.sv").read_text().replace("RefModule", "TopModule")
FAKE_SEPARATOR = "aigchip-step-" + "0" * 32
DESIGNS = {
    "clean": GOOD,
    "lint_warnings": GOOD.replace("endmodule", "  wire [7:0] unused = q;\n  wire [1:0] narrow = 8'hff;\nendmodule"),
    "syntax_error": GOOD.replace("q <= q + 4'd1;", "q <= q + ;"),
    "mismatch": GOOD.replace("q + 4'd1", "q + 4'd2").replace("endmodule", "  wire spare;\nendmodule"),
    # prints what looks like the box's separators (with a status) and a passing VerilogEval line
    "prints_separators": GOOD.replace("endmodule", f"""  initial begin
    $display("\\n{FAKE_SEPARATOR} 0\\n");
    $write("{FAKE_SEPARATOR} 1\\n");
    $display("Mismatches: 0 in 99 samples");
  end
  wire unread;
endmodule"""),
    # a lint_off pragma aimed at hiding a warning, and an elaboration-time message printed by both tools
    "pragmas": GOOD.replace("endmodule", "  /* verilator lint_off UNUSEDSIGNAL */\n  wire hidden;\n"
                                         "  /* verilator lint_on UNUSEDSIGNAL */\n  wire shown;\nendmodule"),
    "zero_delay_loop": GOOD.replace("endmodule", "  reg spin = 0;\n  always @(posedge clk) if (q == 4'd5) while (1) spin = ~spin;\nendmodule"),
}


def _options(name: str) -> VerifyOptions:
    return VerifyOptions(testbench=(VERILOG_EVAL / "Prob002_count4_test.sv",), reference=VERILOG_EVAL / "Prob002_count4_ref.sv",
                         simulator="icarus", lint=True, use_cache=False, timeout=4.0 if name == "zero_delay_loop" else 60.0)


def _beside(run_dir: Path, design: Design, options: VerifyOptions):
    return check._simulate(run_dir, design, options)  # not check._simulate itself: the lint runs in its own box


def _log(verdict) -> str:
    """lint.log, less the time and memory Verilator's report line gives (they differ from run to run)."""
    text = (Path(verdict.run_dir) / "lint.log").read_text()
    return re.sub(r"(?m)^- Verilator: Walltime .*$", "- Verilator: Walltime", text)


def _seen(verdict) -> dict:
    """What the model and the record see of a verdict, less what differs from run to run."""
    return verdict.model_dump(mode="json", exclude={"duration_s", "run_dir", "cached"})


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_the_lint_in_the_checks_box_shows_what_a_lint_of_its_own_shows(name, tmp_path, monkeypatch):
    design = Design(files={"TopModule.sv": DESIGNS[name]}, top="TopModule")
    process.sandbox_status()  # the once-per-process probe box is not the check's
    boxes: list[list[str]] = []
    real = process._execute
    monkeypatch.setattr(process, "_execute", lambda launch, **kw: boxes.append(launch) or real(launch, **kw))
    lint._LINTED.clear()
    together = check._check(design, _options(name).model_copy(update={"keep_dir": tmp_path / "together"}))
    runs_together = len(boxes)
    lint._LINTED.clear()
    alone = check._check(design, _options(name).model_copy(update={"keep_dir": tmp_path / "alone"}), simulate=_beside)
    runs_alone = len(boxes) - runs_together
    assert _seen(together) == _seen(alone)
    assert _log(together) == _log(alone)
    assert "lint" in together.checks
    if name != "syntax_error":
        assert runs_together == 1 and runs_alone == 2  # one box instead of two
    expected = {"clean": Status.PASS, "lint_warnings": Status.PASS, "syntax_error": Status.COMPILE_ERROR,
                "mismatch": Status.MISMATCH, "prints_separators": Status.PASS, "pragmas": Status.PASS,
                "zero_delay_loop": Status.TIMEOUT}
    assert together.status is expected[name], together.summary()
    warned = {d.code for d in together.diagnostics if d.source == "verilator"}
    if name in ("lint_warnings", "mismatch", "prints_separators"):
        assert "UNUSEDSIGNAL" in warned
    if name == "pragmas":
        assert any("shown" in d.message for d in together.diagnostics) and \
            not any("hidden" in d.message for d in together.diagnostics)
    if name == "syntax_error":
        assert any(d.source == "verilator" and d.message.startswith("Verilator rejects this") for d in together.diagnostics)


def test_a_design_linted_before_runs_in_one_box_with_no_lint(tmp_path, monkeypatch):
    design = Design(files={"TopModule.sv": DESIGNS["lint_warnings"]}, top="TopModule")
    lint._LINTED.clear()
    first = check._check(design, _options("lint_warnings"))
    process.sandbox_status()
    started: list[list[str]] = []
    real = process._execute
    monkeypatch.setattr(process, "_execute", lambda launch, **kw: started.append(launch) or real(launch, **kw))
    again = check._check(design, _options("lint_warnings"))
    assert _seen(first) == _seen(again)
    assert len(started) == 1 and not any("--lint-only" in arg for arg in started[0])


def test_a_lint_that_overruns_its_time_still_lets_the_simulation_run(tmp_path, monkeypatch):
    """The lint's time ends its box; vvp then runs in a box of its own, and the verdict stands."""
    from aigchip.sim import lint_step

    real_prepare = lint_step.prepare

    def slow(run_dir, files, top, *, timeout, parameters=()):
        step = real_prepare(run_dir, files, top, timeout=1.0, parameters=parameters)
        if isinstance(step, lint_step.LintStep):
            step.step = step.step.__class__(["/bin/sh", "-c", "echo '%Warning: slow'; sleep 30"], 1.0, background=True,
                                            must_succeed=False)
        return step

    monkeypatch.setattr(lint_step, "prepare", slow)
    lint._LINTED.clear()
    verdict = check._check(Design(files={"TopModule.sv": GOOD}, top="TopModule"), _options("clean"))
    assert verdict.status is Status.PASS, verdict.summary()
    assert "lint" in verdict.checks
