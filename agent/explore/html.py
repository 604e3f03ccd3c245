"""An exploration's HTML report: the points' table and the Pareto plot of area against cycles per job, as inline
SVG in one self-contained page (no scripts, no files beside it, no network), in the eval report's style."""

from __future__ import annotations

import html
import itertools
from typing import Any

from aigchip.bench.report import STATUS_COLOURS

WIDTH, HEIGHT, PAD = 560, 320, 56
FIGURES = ("cells", "luts", "ffs", "dsps", "brams", "fmax_mhz")


def _scale(values: list[float], low_px: float, high_px: float) -> Any:
    low, high = min(values), max(values)
    span = (high - low) or max(abs(high), 1.0)
    low, high = (max(low - 0.08 * span, 0.0) if low >= 0 else low - 0.08 * span), high + 0.08 * span
    return lambda v: round(low_px + (v - low) / (high - low) * (high_px - low_px), 1), (low, high)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def _cycles(point: dict[str, Any]) -> float | None:
    value = point.get("latency_cycles")
    return float(value) if isinstance(value, (int, float)) else None


def pareto_plot(result: dict[str, Any], *, speed: Any = _cycles, x_label: str = "cycles per job",
                flag: str = "pareto") -> str:
    """Passing points (area against `speed`: cycles per job, or ns per job), the front's points (`flag`) in red
    joined by its staircase."""
    area = result["front"]["area"]
    drawn = [p for p in result["points"] if p["status"] == "pass" and isinstance(p["cost"].get(area), (int, float))]
    if not drawn:
        return '<p>No passing point with an area to plot.</p>'
    cycles = [speed(p) or 0.0 for p in drawn]
    areas = [float(p["cost"][area]) for p in drawn]
    x_of, (x_low, x_high) = _scale(cycles, PAD, WIDTH - 16)
    y_of, (y_low, y_high) = _scale(areas, HEIGHT - PAD, 14)
    parts = [f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="{HEIGHT - PAD}" stroke="#333"/>',
             f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#333"/>']
    for v in _ticks(x_low, x_high):
        parts.append(f'<text x="{x_of(v)}" y="{HEIGHT - PAD + 14}" font-size="10" text-anchor="middle">{v:.3g}</text>')
    for v in _ticks(y_low, y_high):
        parts.append(f'<text x="{PAD - 4}" y="{y_of(v) + 3}" font-size="10" text-anchor="end">{v:.4g}</text>'
                     f'<line x1="{PAD}" y1="{y_of(v)}" x2="{WIDTH - 10}" y2="{y_of(v)}" stroke="#eee"/>')
    parts.append(f'<text x="{(PAD + WIDTH) / 2}" y="{HEIGHT - 12}" font-size="11" text-anchor="middle">'
                 f'{html.escape(x_label)}</text>'
                 f'<text x="12" y="{HEIGHT / 2}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 12 {HEIGHT / 2})">{html.escape(area)}</text>')
    front = sorted((p for p in drawn if p.get(flag)), key=lambda p: speed(p) or 0.0)
    if len(front) > 1:
        steps = []
        for a, b in itertools.pairwise(front):
            ax, ay = x_of(speed(a) or 0.0), y_of(float(a["cost"][area]))
            bx, by = x_of(speed(b) or 0.0), y_of(float(b["cost"][area]))
            steps += [f"{ax},{ay}", f"{bx},{ay}", f"{bx},{by}"]
        parts.append(f'<polyline points="{" ".join(steps)}" fill="none" stroke="#c62828" stroke-dasharray="4 3"/>')
    for point, x, y in zip(drawn, cycles, areas):
        colour = "#c62828" if point.get(flag) else "#1565c0"
        label = html.escape(point["label"])
        parts.append(f'<circle cx="{x_of(x)}" cy="{y_of(y)}" r="{5 if point.get(flag) else 4}" fill="{colour}">'
                     f'<title>{label}: {y:g} {html.escape(area)}, {x:g} {html.escape(x_label)}</title></circle>'
                     f'<text x="{x_of(x) + 7}" y="{y_of(y) - 6}" font-size="10">{label}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="Pareto front: {html.escape(area)} against cycles per job">{"".join(parts)}</svg>')


def page(result: dict[str, Any]) -> str:
    e = html.escape
    names = list(result["parameters"])
    head = "".join(f"<th>{e(n)}</th>" for n in names) + "<th>status</th>" + "".join(
        f"<th>{e(f)}</th>" for f in FIGURES) + "<th>cycles/job</th><th>Pareto</th><th>what went wrong</th>"
    rows = []
    for p in result["points"]:
        colour = STATUS_COLOURS.get(p["status"], "#607d8b")
        cells = "".join(f"<td>{e(str(p['params'].get(n, '')))}</td>" for n in names)
        cells += f'<td><span class="pill" style="background:{colour}">{e(p["status"])}</span></td>'
        cells += "".join(f"<td>{e(str(p['cost'].get(f, '')))}</td>" for f in FIGURES)
        cells += f"<td>{e(str(p.get('latency_cycles') if p.get('latency_cycles') is not None else ''))}</td>"
        cells += f"<td>{'&#9733;' if p.get('pareto') else ''}</td>"
        cells += f"<td>{e(p['summary']) if p['status'] != 'pass' else ''}</td>"
        rows.append(f"<tr>{cells}</tr>")
    notes = "".join(f"<li>{e(n)}</li>" for n in result["front"].get("notes", []))
    space = (f"{result['checked']} of {result['space_size']} points checked"
             + (f" ({result['resumed']} from an earlier run)" if result.get("resumed") else ""))
    front_line = ", ".join(result["front"]["points"]) or "none"
    figures = f"<figure>{pareto_plot(result)}<figcaption>{e(result['front']['area'])} against cycles per job; " \
              "the front in red</figcaption></figure>"
    if result["front"].get("time_points"):
        from aigchip.explore.front import job_ns

        figures += (f"<figure>{pareto_plot(result, speed=job_ns, x_label='ns per job', flag='pareto_time')}"
                    f"<figcaption>{e(result['front']['area'])} against ns per job (cycles at the Fmax reached)"
                    "</figcaption></figure>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aigchip explore: {e(result['top'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:80em}}table{{border-collapse:collapse}}
th,td{{text-align:left;padding:.2em .8em;border-bottom:1px solid #ddd;vertical-align:top}}
figure{{display:inline-block;margin:0 1.5em 1em 0}}figcaption{{text-align:center;color:#555}}
.pill{{display:inline-block;padding:0 .4em;margin:0 .2em;border-radius:.6em;color:#fff;font-size:.85em}}</style>
</head><body><h1>Design space of {e(result['top'])}</h1>
<p>{e(result['design'])}: {e(space)}. Pareto front ({e(result['front']['area'])} against cycles per job):
{e(front_line)}.</p>
<div>{figures}</div>
{f'<ul>{notes}</ul>' if notes else ''}
<h2>Points</h2><table><tr>{head}</tr>{''.join(rows)}</table>
</body></html>
"""
