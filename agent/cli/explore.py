"""`aigchip explore`: check and cost a design at every point of its parameters' space; the Pareto front."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from aigchip.cli.common import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, ExistingFile, Fpga, Simulator, usage


def explore(
    design: Annotated[Path, typer.Argument(help="A Verilog file or folder, an AccelBench/task folder (its solution "
                                           "and tests), or a run folder (generate --out).")],
    param: Annotated[list[str], typer.Option("--param", help="A parameter of the top and its values: N=2,4,8 or "
                                             "N=2..16:2. Repeat for more; every combination is a point.")],
    top: Annotated[Optional[str], typer.Option(help="Top module (default: the task's, or the one nothing "
                                               "instantiates).")] = None,
    tests: Annotated[Optional[Path], typer.Option(help="cocotb tests to check every point with (instead of the "
                                                  "task's).", **ExistingFile)] = None,
    tb: Annotated[Optional[list[Path]], typer.Option(help="Verilog testbench instead (its top takes the "
                                                     "parameters and passes them on).", **ExistingFile)] = None,
    budget: Annotated[Optional[int], typer.Option("--budget", "--max-points", help="Check at most this many points: "
                                                  "a seeded sample with the first and last of the space.",
                                                  min=1)] = None,
    time_budget: Annotated[Optional[float], typer.Option(help="Seconds of wall clock after which no new point "
                                                         "starts (those left are listed as not_run).",
                                                         min=0.0)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the --budget sample.")] = 0,
    jobs: Annotated[Optional[int], typer.Option(help="Points checked at once (default: the CPU count).",
                                                min=1)] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Run each point as a Ray task (needs the ray extra).")] = False,
    ray_address: Annotated[Optional[str], typer.Option(help="Ray cluster to join with --ray (ray://head:10001 or "
                                                       "auto); default: a Ray instance on this machine.")] = None,
    fmax: Annotated[bool, typer.Option("--fmax", help="Also place and route each point (nextpnr-ice40) for an "
                                       "Fmax, and a front of area against time per job.")] = False,
    fpga: Annotated[Fpga, typer.Option(help="The FPGA each point is mapped to (LUTs, FFs, DSPs, block RAMs; "
                                       "--fmax places and routes on it).")] = Fpga.ice40,
    sim: Annotated[Simulator, typer.Option(help="Simulator.")] = Simulator.icarus,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit per tool run, seconds.", min=0.1)] = 120.0,
    lint: Annotated[bool, typer.Option(help="Lint each point with Verilator when installed.")] = True,
    cache: Annotated[bool, typer.Option(help="Reuse the verdict of an identical earlier check.")] = True,
    out: Annotated[Optional[Path], typer.Option(help="Write explore.json, points/ (each as it finishes) and "
                                                "report.html here.", file_okay=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip the points --out already holds.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Check and cost every point of a design's parameter space (within a budget), in parallel, and report the
    Pareto front of area (LUTs) against cycles per job. Exit 0 when a point passed, 1 when none did, 2 on a
    usage or tool error, 130 when interrupted (finished points stay in --out; --resume continues)."""
    from aigchip import record
    from aigchip.explore import run, space, sweep

    if tb and tests:
        raise usage("give either --tb or --tests, not both")
    if resume and out is None:
        raise usage("--resume needs --out (the folder of the exploration to continue)")
    try:
        subject = space.load(design, top=top, tests=tests, testbench=tuple(tb or ()))
        values = space.axes(param, subject.defaults, subject.design.top)
    except space.SpaceError as exc:
        raise usage(str(exc)) from None
    settings = sweep.Settings(jobs=jobs or os.cpu_count() or 1, simulator=sim.value, timeout=timeout, fmax=fmax,
                              fpga=fpga.value,
                              lint=lint, cache=cache, time_budget=time_budget, ray=ray, ray_address=ray_address)
    quiet = json_out

    def progress(point: dict[str, Any]) -> None:
        if not quiet:
            cycles = point.get("latency_cycles")
            area = point["cost"].get("luts", point["cost"].get("cells", "-"))
            typer.echo(f"  {point['label']}: {point['status']}  area {area}  cycles/job "
                       f"{'-' if cycles is None else cycles}  ({point['duration_s']:.1f} s)", err=True)

    try:
        with record.holding(out, "explore"):
            result = run.explore(subject, values, settings, out=out, resume=resume, budget=budget, seed=seed,
                                 progress=progress)
    except (run.OutBusy, record.FolderBusy) as exc:
        raise usage(str(exc)) from None
    except KeyboardInterrupt:
        where = f"; the finished points are in {out} (--resume continues)" if out is not None else ""
        typer.echo(f"aigchip: interrupted{where}", err=True)
        raise typer.Exit(130) from None
    except ValueError as exc:  # RayUnavailable: Ray missing or the cluster unreachable
        raise usage(str(exc)) from None
    if json_out:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        show(result, out)
    statuses = [p["status"] for p in result["points"]]
    if "pass" in statuses:
        raise typer.Exit(EXIT_PASS)
    raise typer.Exit(EXIT_USAGE if statuses and all(s in ("tool_error", "error") for s in statuses) else EXIT_FAIL)


def show(result: dict[str, Any], out: Path | None) -> None:
    from aigchip.explore.run import table

    rows = table(result)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    described = result["front"]
    typer.echo(f"Pareto front ({described['area']} against cycles per job): {', '.join(described['points']) or 'none'}")
    if described.get("time_points"):
        typer.echo(f"Pareto front ({described['area']} against ns per job at Fmax): {', '.join(described['time_points'])}")
    for note in described.get("notes", []):
        typer.echo(f"  note: {note}")
    for point in result["points"]:
        if point["status"] not in ("pass",):
            typer.echo(f"  {point['label']} {point['status']}: {point['summary']}")
    resumed = f", {result['resumed']} resumed" if result["resumed"] else ""
    typer.echo(f"{result['checked']} of {result['space_size']} points checked{resumed} in {result['wall_time_s']:.1f} s"
               + (f"; {out}/explore.json, report.html" if out is not None else ""))
