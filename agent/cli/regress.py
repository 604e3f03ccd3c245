"""`aigchip regress`: re-check generated designs in CI."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from aigchip.cli.common import Simulator, usage


def regress(
    directory: Annotated[Path, typer.Argument(help="Folder holding design folders written by `generate --out` (searched recursively).")],
    junit: Annotated[Optional[Path], typer.Option(help="Write a JUnit XML report here (one testcase per design folder).", dir_okay=False)] = None,
    sim: Annotated[Optional[Simulator], typer.Option(help="Simulator (default: the one each design was recorded with).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
    cost_tolerance: Annotated[float, typer.Option(help="A costed design that grows (cells, LUTs, FFs, DSPs, BRAMs) "
                                                  "or slows (Fmax) by more than this fraction is a cost regression.",
                                                  min=0.0)] = 0.05,
) -> None:
    """Re-check generated designs with the checks they recorded. Exit 1 on any regression (recorded pass, now
    failing), 2 when a check could not run or no design folder was found, else 0."""
    from aigchip.regress import RegressError, junit_xml, regress as run_regress

    try:
        report = run_regress(directory, simulator=sim.value if sim else None, jobs=2, cost_tolerance=cost_tolerance)
    except RegressError as exc:
        raise usage(str(exc)) from None
    if junit is not None:
        try:
            junit.parent.mkdir(parents=True, exist_ok=True)
            junit.write_text(junit_xml(report), encoding="utf-8")
        except OSError as exc:
            raise usage(f"cannot write {junit}: {exc}") from None
    for problem in report.problems:
        typer.echo(f"aigchip: {problem}", err=True)
    if not report.results:
        typer.echo(f"aigchip: no design folder (a meta.json with top and files) below {directory}", err=True)
    if json_out:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
    else:
        _show_regress(report)
    raise typer.Exit(report.exit_code())


def _show_regress(report) -> None:
    labels = {"pass": "pass", "regression": "REGRESSION", "fixed": "fixed", "known_failure": "known failure",
              "error": "ERROR"}
    for result in report.results:
        was = "" if result.outcome == "pass" else f"  (recorded {result.recorded})"
        typer.echo(f"{labels[result.outcome]:14} {result.dir}: {result.summary}{was}")
        if result.cost_regression:
            typer.echo(f"{'COST':14} {result.dir}: {result.cost_regression}")
    counts = {o: len(report.dirs(o)) for o in labels}
    typer.echo(f"{len(report.results)} designs: {counts['regression']} regressions, {counts['fixed']} fixed, "
               f"{counts['known_failure']} known failures, {counts['error']} not checked"
               + (f", {len(report.cost_regressions)} cost regressions" if report.cost_regressions else ""))

