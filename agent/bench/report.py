"""An evaluation's summary for people: report.md, report.html and the console summary `aigchip eval`
prints. The HTML draws its charts as inline SVG: no scripts, no files beside it, no dependencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aigchip.bench import cost_report
from aigchip.bench.cost_report import escape
from aigchip.bench.results import write_files

STATUS_COLOURS = {"pass": "#2e7d32", "mismatch": "#f9a825", "compile_error": "#c62828", "sim_error": "#ad1457",
                  "timeout": "#6a1b9a", "no_code": "#5d4037", "policy_violation": "#e65100", "tool_error": "#455a64",
                  "not_run": "#9e9e9e"}
WIDTH, HEIGHT, PAD = 420, 220, 36


def write_reports(summary: dict[str, Any], out_dir: Path) -> None:
    write_files(Path(out_dir), pages(summary))


def pages(summary: dict[str, Any]) -> dict[str, str]:
    """report.md and report.html, by file name."""
    return {"report.md": markdown(summary), "report.html": page(summary)}


def console_summary(summary: dict[str, Any], out_dir: Path) -> str:
    """The lines `aigchip eval` prints when the run ends (without --json)."""
    def rates(values: dict[str, float]) -> str:
        return "  ".join(f"pass@{key} {100 * value:.1f}%" for key, value in values.items()) or "-"

    by_iter = "  ".join(f"{key}: {100 * value:.1f}%" for key, value in summary["pass_rate_by_iteration"].items())
    statuses = ", ".join(f"{status} {count}" for status, count in summary["status_counts"].items())
    tokens = summary["tokens"]
    cost = f", ${tokens['cost_usd']:.4f}" if tokens.get("cost_usd") is not None else ""
    no_llm = "" if summary.get("llm_used", True) else " (no LLM)"
    sound, everything = summary["denominators"]["sound_tasks"], summary["denominators"]["all_tasks"]
    lines = [f"{summary['benchmark']}: {everything} tasks x {summary['samples_per_task']} samples, "
             f"model {summary['model']}{no_llm}, feedback {summary['feedback']}{_flow_and_grain(summary)}"]
    if sound == everything:
        lines.append(f"  {rates(summary['pass_at_k'])}")
    else:
        lines += [f"  {rates(summary['pass_at_k'])}  over the {sound} sound tasks",
                  f"  {rates(summary['pass_at_k_all_tasks'])}  over all {everything} tasks "
                  f"({everything - sound} whose reference fails count as failures)"]
    intervals = summary.get("pass_at_k_interval") or {}
    if intervals:
        over = "" if sound == everything else " (sound tasks)"
        methods = "; ".join(dict.fromkeys(v["method"] for v in intervals.values()))
        lines.append(f"  95% interval{over}  " + "  ".join(f"pass@{k} {_interval(v)}" for k, v in intervals.items())
                     + f"  ({methods})")
    lines.append(f"  statuses: {statuses}")
    if by_iter:
        lines.append(f"  pass rate after iteration  {by_iter}  (iterations that ran; at most {summary['max_iters']})")
    if summary["self_tests_passed_golden_failed"]:
        lines.append(f"  {summary['self_tests_passed_golden_failed']} sample(s) stopped because their self-written "
                     "tests passed, then failed the task's own tests")
    tiers = [tag for tag in ("block", "system") if tag in summary.get("by_tag", {})]
    if tiers:
        lines.append("  " + "  ".join(f"{tag}: {summary['by_tag'][tag]['passes']}/{summary['by_tag'][tag]['tasks']} "
                                      f"({100 * summary['by_tag'][tag]['pass_rate']:.1f}%)" for tag in tiers))
    if _demo_line(summary):
        lines.append(f"  demonstrations: {_demo_line(summary)}")
    lines.append(f"  tokens {tokens['total']}{cost}, wall time {summary['wall_time_s']:.1f} s")
    if tokens.get("cached_replies"):
        lines.append(f"  {tokens['cached_replies']} of {tokens.get('replies') or tokens['cached_replies']} model replies "
                     "came from the reply cache (an earlier run asked the same), not from the model; --no-cache asks again")
    lines += [f"  checked with {m['simulator']}: {m['task']}: {m['reason']}" for m in summary["preflight"]["fallbacks"]]
    lines += [f"  reference fails (a benchmark problem, left out): {f['task']}: {f['message']}"
              for f in summary["reference_failures"]]
    lines += [f"  skipped {s['task']}: {s['reason']}" for s in summary["skipped"]]
    lines.append(f"  results: {out_dir}/summary.json, results.jsonl, report.md, report.html")
    return "\n".join(lines)


def _headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    tokens = summary["tokens"]
    cost = f"${tokens['cost_usd']:.4f}" if tokens.get("cost_usd") is not None else "unknown"
    rows = [("benchmark", f"{summary['benchmark']} ({summary.get('layout') or 'layout unknown'})"),
            ("model", summary["model"] + ("" if summary.get("llm_used", True) else " (no LLM)")),
            ("tasks x samples", f"{summary['tasks']} x {summary['samples_per_task']}"),
            ("feedback", f"{summary['feedback']}, at most {summary['max_iters']} iteration(s)"),
            ("flow", summary.get("flow") or "oneshot"),
            ("spec shown", f"the {summary['grain']} grain only" if summary.get("grain") else "every grain the task gives"),
            ("pass rate", _pct(summary.get("pass_rate"))),
            ("tokens", f"{tokens['total']} ({tokens['prompt']} prompt, {tokens['completion']} completion), "
                       f"{tokens.get('cached_replies', 0)} cached replies"),
            ("demonstrations", _demo_line(summary) or "-"),
            ("cost", cost), ("wall time", f"{summary['wall_time_s']:.1f} s"),
            ("toolchain", ", ".join(f"{k} {v}" for k, v in summary["toolchain"].items()))]
    if not summary.get("complete", True):
        rows.insert(0, ("state", "INCOMPLETE: the run stopped before every sample finished"))
    return rows


def _demo_line(summary: dict[str, Any]) -> str:
    """`up to 3 per prompt, minimum score 12: 4 of 6 samples got some (9 in all), 2 none relevant enough`."""
    use = summary.get("demos") or {}
    counted = use.get("samples_with", 0) + use.get("samples_without", 0)
    if not use.get("asked") or not counted:
        return ""
    least = f", minimum score {use['min_score']:g}" if use.get("min_score") is not None else ""
    return (f"up to {use['asked']} per prompt{least}: {use['samples_with']} of {counted} samples got some "
            f"({use['sent']} in all), {use['samples_without']} none relevant enough")


def _flow_and_grain(summary: dict[str, Any]) -> str:
    flow = f", flow {summary['flow']}" if summary.get("flow", "oneshot") != "oneshot" else ""
    return flow + (f", {summary['grain']} spec only" if summary.get("grain") else "")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _interval(found: dict[str, Any] | None) -> str:
    return "-" if not found else f"{100 * found['low']:.1f}-{100 * found['high']:.1f}%"


def _first_failure(row: dict[str, Any]) -> tuple[str, str | None]:
    """(what the task's first failed sample said, its transcript folder) for the Tasks table."""
    first = row.get("first_failure")
    if not first:
        return "", None
    sample = "" if first["sample"] is None else f"s{first['sample']} "
    return f"{sample}{first['status']}: {first['message']}".strip().rstrip(":")[:300], first.get("transcript")


def _problems(summary: dict[str, Any]) -> list[str]:
    lines = [f"reference fails: {f['task']} ({f['status']}) {f['message']}".rstrip()
             for f in summary.get("reference_failures", [])]
    lines += [f"skipped: {s['task']}: {s['reason']}" for s in summary.get("skipped", [])]
    if summary.get("tasks_without_tests"):
        lines.append("no tests (pass means it compiles): " + ", ".join(summary["tasks_without_tests"]))
    lines += [f"benchmark: {p}" for p in summary.get("benchmark_problems", [])]
    return lines


def markdown(summary: dict[str, Any]) -> str:
    out = [f"# Evaluation: {summary['benchmark']} with {summary['model']}", ""]
    out += [f"- **{name}**: {value}" for name, value in _headline(summary)]
    intervals = summary.get("pass_at_k_interval") or {}
    out += ["", "## pass@k", "", "| k | pass@k | 95% interval | method |", "|---|---|---|---|"]
    out += [f"| {k} | {_pct(v)} | {_interval(intervals.get(k))} | {(intervals.get(k) or {}).get('method', '-')} |"
            for k, v in summary["pass_at_k"].items()]
    out += ["", "## Final statuses", "", "| status | samples |", "|---|---|"]
    out += [f"| {s} | {n} |" for s, n in summary["status_counts"].items()]
    out += ["", "## Pass rate after each iteration", "", "| iteration | pass rate |", "|---|---|"]
    out += [f"| {i} | {_pct(v)} |" for i, v in summary["pass_rate_by_iteration"].items()]
    if summary.get("by_tag"):
        ks = list(summary["pass_at_k"])
        out += ["", "## By tag (tier, category, difficulty)", "",
                "| tag | tasks | passes | pass rate |" + "".join(f" pass@{k} |" for k in ks),
                "|---|--:|--:|--:|" + "--:|" * len(ks)]
        out += [f"| {tag} | {row['tasks']} | {row['passes']} | {_pct(row['pass_rate'])} |"
                + "".join(f" {_pct(row['pass_at_k'].get(k))} |" for k in ks) for tag, row in summary["by_tag"].items()]
    problems = _problems(summary)
    if problems:
        out += ["", "## Benchmark problems", ""] + [f"- {p}" for p in problems]
    out += ["", "## Tasks", "", "| task | samples | passes | statuses | first failure | transcript |",
            "|---|---|---|---|---|---|"]
    for row in summary["per_task"]:
        statuses = ", ".join(f"{s} {n}" for s, n in row["statuses"].items())
        said, transcript = _first_failure(row)
        said = said.replace("|", "\\|").replace("\n", " ")
        link = f"[{transcript}]({transcript})" if transcript else ""
        out.append(f"| {row['task']} | {row['samples']} | {row['passes']} | {statuses} | {said} | {link} |")
    out += cost_report.markdown(summary)
    return "\n".join(out) + "\n"


def page(summary: dict[str, Any]) -> str:
    e = escape
    head = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _headline(summary))
    problems = "".join(f"<li>{e(p)}</li>" for p in _problems(summary))
    tag_rows = "".join(f"<tr><td>{e(tag)}</td><td>{row['tasks']}</td><td>{row['passes']}</td>"
                       f"<td>{_pct(row['pass_rate'])}</td></tr>" for tag, row in summary.get("by_tag", {}).items())
    rows = "".join(
        f"<tr><td>{e(r['task'])}</td><td>{r['samples']}</td><td>{r['passes']}</td><td>{_status_pills(r['statuses'])}"
        f"</td><td>{_failure_cell(r)}</td></tr>" for r in summary["per_task"])
    intervals = "".join(f"<li>pass@{e(k)}: {_interval(v)} ({e(v['method'])})</li>"
                        for k, v in (summary.get("pass_at_k_interval") or {}).items())
    charts = "".join(f"<figure>{svg}<figcaption>{e(caption)}</figcaption></figure>" for caption, svg in (
        ("pass@k", bar_chart(summary["pass_at_k"], "k")),
        ("final status of every sample", status_bar(summary["status_counts"])),
        ("pass rate after each iteration", line_chart(summary["pass_rate_by_iteration"]))))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aigchip eval: {e(summary['benchmark'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}
th,td{{text-align:left;padding:.2em .8em;border-bottom:1px solid #ddd;vertical-align:top}}
figure{{display:inline-block;margin:0 1.5em 1em 0}}figcaption{{text-align:center;color:#555}}
.pill{{display:inline-block;padding:0 .4em;margin:0 .2em;border-radius:.6em;color:#fff;font-size:.85em}}</style>
</head><body><h1>{e(summary['benchmark'])} with {e(summary['model'])}</h1>
<table>{head}</table><div>{charts}</div>
{f'<h2>95% intervals</h2><ul>{intervals}</ul>' if intervals else ''}
{f'<h2>By tag</h2><table><tr><th>tag</th><th>tasks</th><th>passes</th><th>pass rate</th></tr>{tag_rows}</table>' if tag_rows else ''}
{f'<h2>Benchmark problems</h2><ul>{problems}</ul>' if problems else ''}
<h2>Tasks</h2><table><tr><th>task</th><th>samples</th><th>passes</th><th>statuses</th><th>first failure</th></tr>{rows}
</table>
{cost_report.page_section(summary)}
</body></html>
"""


def _failure_cell(row: dict[str, Any]) -> str:
    said, transcript = _first_failure(row)
    link = f' <a href="{escape(transcript)}">transcript</a>' if transcript else ""
    return escape(said) + link


def _status_pills(statuses: dict[str, int]) -> str:
    return "".join(f'<span class="pill" style="background:{STATUS_COLOURS.get(s, "#607d8b")}">'
                   f"{escape(s)} {n}</span>" for s, n in statuses.items())


def _frame(body: str, y_label: str = "") -> str:
    axes = (f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="{HEIGHT - PAD}" stroke="#333"/>'
            f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#333"/>')
    ticks = "".join(f'<text x="{PAD - 4}" y="{_y(v) + 4}" font-size="10" text-anchor="end">{int(v * 100)}%</text>'
                    f'<line x1="{PAD}" y1="{_y(v)}" x2="{WIDTH - 10}" y2="{_y(v)}" stroke="#eee"/>'
                    for v in (0, 0.25, 0.5, 0.75, 1.0))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="{escape(y_label)}">{ticks}{axes}{body}</svg>')


def _y(value: float) -> float:
    return round(HEIGHT - PAD - value * (HEIGHT - PAD - 10), 1)


def bar_chart(values: dict[str, float], x_label: str) -> str:
    if not values:
        return _frame('<text x="50%" y="50%" text-anchor="middle">no k within the samples taken</text>')
    slot = (WIDTH - PAD - 20) / len(values)
    bars = []
    for i, (name, value) in enumerate(values.items()):
        x = PAD + 10 + i * slot
        bars.append(f'<rect x="{x:.1f}" y="{_y(value)}" width="{slot * 0.6:.1f}" height="{_y(0) - _y(value):.1f}" '
                    f'fill="#1565c0"><title>pass@{name}: {_pct(value)}</title></rect>'
                    f'<text x="{x + slot * 0.3:.1f}" y="{HEIGHT - PAD + 14}" font-size="11" text-anchor="middle">'
                    f'{x_label}={escape(name)}</text>'
                    f'<text x="{x + slot * 0.3:.1f}" y="{_y(value) - 3}" font-size="10" text-anchor="middle">'
                    f'{_pct(value)}</text>')
    return _frame("".join(bars), "pass@k")


def status_bar(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    x, parts, legend = 10.0, [], []
    for i, (status, count) in enumerate(counts.items()):
        width = (WIDTH - 20) * count / total
        colour = STATUS_COLOURS.get(status, "#607d8b")
        parts.append(f'<rect x="{x:.1f}" y="20" width="{width:.1f}" height="40" fill="{colour}">'
                     f"<title>{escape(status)}: {count}</title></rect>")
        legend.append(f'<rect x="10" y="{78 + 16 * i}" width="10" height="10" fill="{colour}"/>'
                      f'<text x="26" y="{87 + 16 * i}" font-size="11">{escape(status)}: {count} '
                      f"({100 * count / total:.1f}%)</text>")
        x += width
    height = max(HEIGHT, 90 + 16 * len(counts))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
            f'aria-label="status breakdown">{"".join(parts)}{"".join(legend)}</svg>')


def line_chart(values: dict[str, float]) -> str:
    if not values:
        return _frame("")
    step = (WIDTH - PAD - 30) / max(len(values) - 1, 1)
    points = [(PAD + 10 + i * step, _y(v), name, v) for i, (name, v) in enumerate(values.items())]
    path = " ".join(f"{x:.1f},{y}" for x, y, _, _ in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y}" r="3" fill="#2e7d32"><title>after iteration {n}: {_pct(v)}'
                   f'</title></circle><text x="{x:.1f}" y="{HEIGHT - PAD + 14}" font-size="11" text-anchor="middle">'
                   f'{n}</text><text x="{x:.1f}" y="{y - 6}" font-size="10" text-anchor="middle">{_pct(v)}</text>'
                   for x, y, n, v in points)
    return _frame(f'<polyline points="{path}" fill="none" stroke="#2e7d32" stroke-width="2"/>{dots}',
                  "pass rate by iteration")
