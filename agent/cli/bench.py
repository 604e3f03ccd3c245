"""`aigchip bench mutate`: how strong a benchmark task's tests are."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from aigchip.cli.common import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, Simulator


def _bench_task_dirs(paths: list[Path]) -> list[Path]:
    """Task folders: each path itself, or for a folder without task.json, the task folders directly inside it."""
    found: list[Path] = []
    for path in paths:
        inner = sorted(p for p in path.iterdir() if (p / "task.json").is_file()) if path.is_dir() else []
        found += [path] if (path / "task.json").is_file() or not inner else inner
    return found


def bench_mutate(
    task_dirs: Annotated[list[Path], typer.Argument(help="Task folders (task.json with a solution), or folders of them.",
                                                    exists=True, file_okay=False)],
    limit: Annotated[int, typer.Option(help="Mutants per task at most, spread over the operator classes.", min=1)] = 30,
    jobs: Annotated[int, typer.Option(help="Mutants checked in parallel.", min=1)] = 2,
    sim: Annotated[Simulator, typer.Option(help="Simulator.")] = Simulator.icarus,
    min_score: Annotated[float, typer.Option(help="Exit 1 when a task's adjusted score is below this.", min=0, max=1)] = 0.9,
    seed: Annotated[int, typer.Option(help="Which mutants are picked when there are more than --limit.")] = 0,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit per simulation, seconds.", min=0.1)] = 60.0,
    report: Annotated[Optional[Path], typer.Option(help="Write a Markdown report (table and survivors) here.", dir_okay=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Mutate each task's solution and run the task's tests on the mutants: the share killed is the score.
    Exit 0 all tasks reach --min-score, 1 some do not (or the solution fails its tests), 2 usage/tool error."""
    from aigchip.bench.mutate import TaskScore, cell, markdown_report, number, score_task

    scores: list[TaskScore] = []
    for folder in _bench_task_dirs(task_dirs):
        if not json_out:
            typer.echo(f"aigchip: mutating {folder} ...", err=True)
        try:
            scores.append(score_task(folder, limit=limit, jobs=jobs, simulator=sim.value, timeout=timeout, seed=seed))
        except ValueError as exc:
            scores.append(TaskScore(task=folder.name, path=str(folder), status="error", detail=str(exc).splitlines()[0]))

    def good(s: TaskScore) -> bool:
        return s.status == "ok" and s.adjusted_score is not None and s.adjusted_score >= min_score

    if report is not None:
        report.write_text(markdown_report(scores, min_score), encoding="utf-8")
    if json_out:
        sys.stdout.write(json.dumps({"min_score": min_score, "ok": all(map(good, scores)),
                                     "tasks": [s.model_dump(mode="json") for s in scores]}) + "\n")
    else:
        typer.echo(f"{'task':28} {'status':15} {'mutants':>7} {'killed':>6} {'survived':>8} {'stillborn':>9} "
                   f"{'trivial':>7} {'score':>6} {'adjusted':>8} {'time':>7}  ({sim.value})")
        for s in scores:
            typer.echo(f"{s.task[:28]:28} {s.status:15} {s.mutants:7} {s.killed:6} {s.survived:8} {s.stillborn:9} "
                       f"{s.trivially_equivalent:7} {number(s.score):>6} {number(s.adjusted_score):>8} {s.duration_s:6.1f}s")
        for s in scores:
            if s.detail:
                typer.echo(f"{s.task}: {s.detail}")
            for r in s.survivors:
                note = f"  [equivalent: {r.equivalent}]" if r.equivalent is not None else ""
                typer.echo(f"{s.task}: survived {r.id} (line {r.line}): {cell(r.original)} -> "
                           f"{cell(r.replacement)}{note}")
    if any(s.status in ("error", "tool_error") for s in scores):
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_PASS if all(map(good, scores)) else EXIT_FAIL)

