"""The cost part of an eval report (runs with `--synth`): each task's passing design beside its reference,
as a Markdown table and, on the HTML page, a chart of the area ratio per task (1.0: the reference's size)."""

from __future__ import annotations

from typing import Any

WIDTH, BAR, PAD = 640, 18, 150


def escape(text: str) -> str:
    """html.escape(text): &, <, >, " and ' as entities, without loading html's table of 2,000 entities."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def costed(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in summary.get("per_task", []) if row.get("cost")]


def _figures(row: dict[str, Any]) -> list[str]:
    cost, reference = row["cost"], row.get("reference_cost") or {}
    ratio = row.get("area_ratio")
    return [row["task"], str(cost.get("cells", "-")), str(reference.get("cells", "-")),
            f"{ratio:.2f}" if ratio is not None else "-", str(cost.get("ffs", "-")), str(cost.get("luts", "-")),
            str(cost.get("fmax_mhz", "-"))]


def markdown(summary: dict[str, Any]) -> list[str]:
    rows = costed(summary)
    if not rows:
        return []
    out = ["", "## Cost (first passing sample against the reference)", "",
           "| task | cells | reference cells | area ratio | flip-flops | LUT4s | Fmax MHz |",
           "|---|--:|--:|--:|--:|--:|--:|"]
    return out + ["| " + " | ".join(_figures(row)) + " |" for row in rows]


def page_section(summary: dict[str, Any]) -> str:
    rows = costed(summary)
    if not rows:
        return ""
    e = escape
    table = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in _figures(row)) + "</tr>" for row in rows)
    head = "".join(f"<th>{e(h)}</th>" for h in ("task", "cells", "reference cells", "area ratio", "flip-flops",
                                                 "LUT4s", "Fmax MHz"))
    return (f"<h2>Cost</h2><figure>{ratio_chart(rows)}<figcaption>area ratio per task (cells over the "
            f"reference's; the line is 1.0)</figcaption></figure><table><tr>{head}</tr>{table}</table>")


def ratio_chart(rows: list[dict[str, Any]]) -> str:
    """Horizontal bars, one per task with a ratio, scaled to the largest ratio (at least 2)."""
    ratios = [(row["task"], float(row["area_ratio"])) for row in rows if row.get("area_ratio") is not None]
    if not ratios:
        return ""
    top = max(2.0, *(r for _, r in ratios))
    scale = (WIDTH - PAD - 40) / top
    height = BAR * len(ratios) + 20
    bars = "".join(
        f'<text x="{PAD - 6}" y="{i * BAR + 13}" font-size="11" text-anchor="end">{escape(task)}</text>'
        f'<rect x="{PAD}" y="{i * BAR + 3}" width="{ratio * scale:.1f}" height="{BAR - 6}" '
        f'fill="{"#2e7d32" if ratio <= 1 else "#c62828"}"/>'
        f'<text x="{PAD + ratio * scale + 4:.1f}" y="{i * BAR + 13}" font-size="10">{ratio:.2f}</text>'
        for i, (task, ratio) in enumerate(ratios))
    one = f'<line x1="{PAD + scale:.1f}" y1="0" x2="{PAD + scale:.1f}" y2="{height - 16}" stroke="#333" stroke-dasharray="3"/>'
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}">{bars}{one}</svg>'
