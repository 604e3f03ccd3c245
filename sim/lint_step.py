"""Verilator's lint of a design as the first step of its check's box (sim/pair.py) instead of a box of its
own: the same command line, environment and limits as a lint alone (sim/lint.py), the same diagnostics,
`lint.log` and per-process memory of designs already linted. The lint runs in the background beside the
compiler, whatever it finds (it need not succeed), and ends before the design's simulation starts, so
nothing the design does can reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aigchip.sim import lint, pair, params, process
from aigchip.sim.types import Diagnostic


@dataclass
class LintStep:
    """A lint still to run: its step for the box, the environment the box needs for it, and, once the box
    ran, what it gave (`result`)."""

    run_dir: Path
    files: list[str]
    top: str
    timeout: float
    parameters: params.Parameters
    key: str  # the design's key in sim/lint.py's memory
    step: pair.Step
    env: dict[str, str]
    direct: bool  # verilator_bin itself rather than the `verilator` script
    result: process.ProcessResult | None = field(default=None)

    def diagnostics(self) -> list[Diagnostic]:
        """The lint's diagnostics, with `lint.log` written, as a lint alone gives them: from the box's first
        step when it ran, else (the box could not run it) from a lint in a box of its own. Raises
        tools.ToolMissing when Verilator cannot start."""
        if self.result is None:
            found, result = lint.verilator_lint(self.run_dir, self.files, self.top, timeout=self.timeout,
                                                parameters=self.parameters)
        else:
            found, result = lint.finish(self.run_dir, self.result, self.direct)
        if not result.timed_out:
            lint.remember(self.key, found, result.output)
        return found


def prepare(run_dir: Path, files: dict[str, str], top: str, *, timeout: float,
            parameters: params.Parameters = ()) -> LintStep | list[Diagnostic]:
    """The lint of the design whose files (name -> text, already written in `run_dir`) are `files`: its
    diagnostics when this process already linted that design (`lint.log` written), else the step to run."""
    key = lint.memo_key(files, top, parameters)
    known = lint.recalled(key, run_dir)
    if known is not None:
        return known
    argv, env, limits = lint.command(list(files), top, parameters)
    step = pair.Step(argv, timeout, limits or process.Limits(), must_succeed=False, background=True)
    return LintStep(run_dir, list(files), top, timeout, parameters, key, step, env, limits is not None)
