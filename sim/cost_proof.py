"""The `--synth`, `--fmax` and `--equiv` checks on a design that compiled: its cost in the verdict's `cost`,
synthesis warnings among its diagnostics, and the proof against a reference in its `equivalence`.

A synthesis error (a combinational loop, conflicting drivers) or a proven difference from the reference
fails a design that passed its tests: the tests did not look where the problem is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigchip.sim import equiv, source, synth
from aigchip.sim.types import Design, Severity, Status, Verdict

if TYPE_CHECKING:
    from aigchip.sim.check import VerifyOptions

MIN_TIMEOUT = 300.0  # synthesis and place and route of a whole accelerator take longer than a simulation


def apply(run_dir: Path, design: Design, options: VerifyOptions, verdict: Verdict) -> Verdict:
    if verdict.status not in (Status.PASS, Status.MISMATCH):
        return verdict
    timeout = max(options.timeout, MIN_TIMEOUT)
    status: Status = verdict.status
    diagnostics, checks = list(verdict.diagnostics), list(verdict.checks)
    update: dict[str, Any] = {}
    if options.synth or options.fmax:
        report = synth.synthesize(design, fpga=options.fpga or ("ice40" if options.fmax else None), fmax=options.fmax,
                                  timeout=timeout, run_dir=_subfolder(run_dir, "synth"), parameters=options.parameters)
        update["cost"] = {**report.cost, **measured_cycles(run_dir), "synthesis_s": report.duration_s,
                          **({"notes": report.notes} if report.notes else {})}
        diagnostics += report.diagnostics
        if status is Status.PASS and any(d.severity is Severity.ERROR for d in report.diagnostics):
            status = Status.COMPILE_ERROR
        checks.append("synth")
    if options.equiv:
        reference = Design.from_paths(options.equiv, top=design.top)
        defined = [m for text in reference.files.values() for m in source.module_names(text)]
        tops = source.top_candidates(list(reference.files.values()))
        if design.top not in defined and len(tops) == 1:  # a reference named otherwise (RefModule) is still its top
            reference = reference.model_copy(update={"top": tops[0]})
        found = equiv.check(design, reference, bound=options.equiv_bound, timeout=options.equiv_timeout or timeout,
                            keep=run_dir if options.keep_dir is not None else None, parameters=options.parameters)
        update["equivalence"] = found.model_dump(mode="json")
        said = found.diagnostic()
        if said is not None:
            diagnostics.append(said)
        if status is Status.PASS and found.result == "not_equivalent":
            status = Status.MISMATCH
        checks.append("equivalence")
    return verdict.model_copy(update={**update, "status": status, "diagnostics": diagnostics, "checks": checks})


def measured_cycles(run_dir: Path) -> dict[str, Any]:
    """Cycles a test measured and left in `cost.json` in its run folder (AccelBench's system tests do):
    `latency_cycles` (or `cycles_per_job`, a job's cycles from first input to last output), and as
    `latency_job` the test's words for what one job is (its `job`), shown to a model asked for fewer cycles."""
    try:
        found = json.loads((run_dir / "cost.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    figures: dict[str, Any] = {k: found[k] for k in ("latency_cycles", "cycles_per_job")
                               if isinstance(found.get(k), (int, float)) and not isinstance(found.get(k), bool)}
    if "latency_cycles" not in figures and "cycles_per_job" in figures:
        figures["latency_cycles"] = figures["cycles_per_job"]
    if figures and isinstance(found.get("job"), str) and found["job"].strip():
        figures["latency_job"] = " ".join(found["job"].split())[:200]
    return figures


def _subfolder(run_dir: Path, name: str) -> Path:
    folder = run_dir / name
    folder.mkdir(exist_ok=True)
    return folder
