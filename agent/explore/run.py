"""One exploration from start to end: pick the points, skip those an earlier run finished (`resume`), sweep the
rest, mark the Pareto front, and leave the result in the output folder (through `aigchip.record`).

The result (`--json`, `explore.json`):
- `design`, `kind` (verilog, task or run), `top`, `parameters` (name -> values swept), `defaults` (the top's
  parameters and their default values);
- `space_size` (points in the cross product), `sampled` (points chosen within `--budget`), `checked` (points
  with a result), `resumed` (of those, taken from the earlier run), `interrupted`;
- `points`: each with `label`, `params`, `status` (a verdict status, `error`, or `not_run` when the time budget
  ran out), `summary`, `cost` (cells, luts, ffs, fpga_ffs, dsps, brams, carries, fmax_mhz, as measured),
  `latency_cycles` (cycles per job from the test's cost.json, or null), `pareto`, `pareto_time` (with Fmax),
  `tests`, `duration_s`, `cached`, `fingerprint`;
- `front`: `area` (luts or cells), `cycles`, `points` (labels on the front, by cycles), `time_points` (the front
  of area against ns per job, when Fmax was measured everywhere), `notes`;
- `settings`, `wall_time_s`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from aigchip import record
from aigchip.explore import front, html, space, sweep


class OutBusy(ValueError):
    """The output folder holds an earlier exploration and `resume` was not asked for."""


def explore(subject: space.Subject, values: dict[str, list[int]], settings: sweep.Settings, *,
            out: Path | None = None, resume: bool = False, budget: int | None = None, seed: int = 0,
            progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the exploration; returns the result. A KeyboardInterrupt leaves the finished points in `out`
    (and an `explore.json` of them, `interrupted` true) before it propagates."""
    started = time.monotonic()
    chosen, size = space.points(values, budget, seed)
    digest = sweep.fingerprint(subject, settings)
    earlier = record.read_explore_points(out) if out is not None else {}
    if earlier and not resume:
        raise OutBusy(f"{out} already holds {len(earlier)} explored point(s); pass --resume to continue that "
                      "exploration, or choose another --out")
    kept = {k: p for k, p in earlier.items() if p.get("fingerprint") == digest and p.get("status") != sweep.ERROR}
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for point in chosen:
        label = space.key(point)
        if label in kept:
            results[label] = {**kept[label], "resumed": True}
        else:
            todo.append(point)

    def done(point: dict[str, Any]) -> None:
        results[point["label"]] = point
        if out is not None:
            record.write_explore_point(out, point["label"], point)
        if progress is not None:
            progress(point)

    def finish(skipped: list[dict[str, Any]], interrupted: bool) -> dict[str, Any]:
        for point in skipped:
            results[point["label"]] = point
        ordered = [results[space.key(p)] for p in chosen if space.key(p) in results]
        described = front.mark(ordered)
        result = {"design": subject.label, "kind": subject.kind, "top": subject.design.top,
                  "parameters": values, "defaults": subject.defaults, "space_size": size, "sampled": len(chosen),
                  "checked": sum(1 for p in ordered if p["status"] != "not_run"),
                  "resumed": sum(1 for p in ordered if p.get("resumed")), "interrupted": interrupted,
                  "points": ordered, "front": described, "settings": sweep.settings_note(settings, out),
                  "wall_time_s": round(time.monotonic() - started, 2)}
        if out is not None:
            record.write_explore(out, result, subject.design, html.page(result))
        return result

    try:
        skipped = sweep.run(subject, todo, settings, done, digest=digest) if todo else []
    except KeyboardInterrupt:
        finish([], True)
        raise
    return finish(skipped, False)


def table(result: dict[str, Any]) -> list[list[str]]:
    """The terminal table's rows (the first is the header)."""
    names = list(result["parameters"])
    area = result["front"]["area"]
    figures = [area, *(f for f in ("ffs", "dsps", "brams") if any(f in p["cost"] for p in result["points"]))]
    if any("fmax_mhz" in p["cost"] for p in result["points"]):
        figures.append("fmax_mhz")
    rows = [[*names, "status", *figures, "cycles/job", "pareto"]]
    for p in result["points"]:
        cycles = p.get("latency_cycles")
        rows.append([*(str(p["params"].get(n, "")) for n in names), p["status"],
                     *(str(p["cost"].get(f, "-")) for f in figures), "-" if cycles is None else f"{cycles:g}",
                     "*" if p.get("pareto") else ""])
    return rows
