"""The Pareto front of an exploration: among the passing points, those no other passing point beats on both
area and cycles per job (smaller is better in both; a point is beaten when another is no worse in either and
better in one). Area is LUTs when every passing point has them (an FPGA mapping), else generic cells.

When Fmax was measured for every passing point, a second front puts area against the time a job takes
(cycles / Fmax, in nanoseconds): the clock a design reaches is part of its speed.
"""

from __future__ import annotations

from typing import Any, Sequence

PASS = "pass"


def area_metric(points: list[dict[str, Any]]) -> str:
    passing = [p for p in points if p.get("status") == PASS]
    if passing and all(isinstance((p.get("cost") or {}).get("luts"), (int, float)) for p in passing):
        return "luts"
    return "cells"


def job_ns(point: dict[str, Any]) -> float | None:
    """Nanoseconds per job at the measured Fmax: cycles * 1000 / MHz."""
    cycles, fmax = point.get("latency_cycles"), (point.get("cost") or {}).get("fmax_mhz")
    if isinstance(cycles, (int, float)) and isinstance(fmax, (int, float)) and fmax > 0:
        return round(cycles * 1000.0 / fmax, 2)
    return None


def pareto(candidates: Sequence[tuple[Any, ...]]) -> list[Any]:
    """The names of the non-dominated (name, a, b, ...) candidates, minimising every axis; a candidate is
    beaten by one no worse on every axis and better on one (not tuple order); ties all stay. The one Pareto
    test of the package (generate --optimize's front uses it too)."""
    def beats(other: tuple[Any, ...], axes: tuple[Any, ...]) -> bool:
        return all(o <= a for o, a in zip(other, axes)) and other != axes

    return [name for name, *axes in candidates
            if not any(beats(tuple(rest), tuple(axes)) for _, *rest in candidates)]


def mark(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Set each point's `pareto` (and `pareto_time` when every passing point has an Fmax); returns the front's
    description: the area metric, the labels on each front (by cycles), and notes on what was left out."""
    metric = area_metric(points)
    notes: list[str] = []
    usable: list[tuple[str, float, float]] = []
    timed: list[tuple[str, float, float]] = []
    passing = [p for p in points if p.get("status") == PASS]
    measured = any(isinstance(p.get("latency_cycles"), (int, float)) for p in passing)
    if passing and not measured:
        notes.append("no test measured cycles per job (cost.json): the front is the smallest area alone")
    for point in passing:
        area = (point.get("cost") or {}).get(metric)
        cycles = point.get("latency_cycles")
        if not isinstance(area, (int, float)):
            notes.append(f"{point['label']}: passed but has no {metric} (synthesis failed): not on the front")
            continue
        if not isinstance(cycles, (int, float)):
            if measured:
                notes.append(f"{point['label']}: passed but its test measured no cycles: not on the front")
                continue
            cycles = 0.0
        usable.append((point["label"], float(area), float(cycles)))
        if (ns := job_ns(point)) is not None:
            timed.append((point["label"], float(area), ns))
    front = set(pareto(usable))
    time_front = set(pareto(timed)) if passing and len(timed) == len(passing) else set()
    for point in points:
        point["pareto"] = point["label"] in front
        if time_front:
            point["pareto_time"] = point["label"] in time_front
    by_cycles = sorted((p for p in points if p["pareto"]), key=lambda p: (p.get("latency_cycles") or 0, p["label"]))
    result: dict[str, Any] = {"area": metric, "cycles": "latency_cycles", "points": [p["label"] for p in by_cycles],
                              "notes": notes}
    if time_front:
        result["time_points"] = [p["label"] for p in sorted((p for p in points if p.get("pareto_time")),
                                                            key=lambda p: job_ns(p) or 0.0)]
    return result
