"""`aigchip eval compare RUN_A RUN_B`: two evaluation folders, task by task.

Only tasks both runs counted (sound in both) are compared. A task's outcome in a run is its pass@1 (the share
of its samples that passed); with one sample per task that is pass or fail. Tasks that went from failing to
passing are `fixed`, the reverse `broken`; with several samples, any rise or fall in pass@1 counts as
`improved` or `regressed`. The paired test is McNemar's exact test on those changed tasks (aigchip.bench.stats).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aigchip.bench import stats
from aigchip.bench.results import SUMMARY, read_json


class CompareError(ValueError):
    """A folder is not an evaluation's output, or the two runs share no task."""


def load_run(folder: Path) -> tuple[dict[str, Any], dict[str, float]]:
    """A run's summary and {task: pass@1} over the tasks it counted (its sound tasks)."""
    folder = Path(folder)
    summary = read_json(folder / SUMMARY)
    if summary is None or not isinstance(summary.get("per_task"), list):
        raise CompareError(f"{folder} holds no evaluation summary ({SUMMARY} written by `aigchip eval --out`)")
    try:
        return summary, {str(row["task"]): int(row["passes"]) / int(row["samples"])
                         for row in summary["per_task"] if row.get("samples")}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CompareError(f"{folder / SUMMARY}: per_task rows need task, samples and passes") from None


def compare(run_a: Path, run_b: Path) -> dict[str, Any]:
    summary_a, a = load_run(run_a)
    summary_b, b = load_run(run_b)
    shared = sorted(set(a) & set(b))
    if not shared:
        raise CompareError(f"{run_a} and {run_b} have no task in common")
    rows: list[dict[str, Any]] = [{"task": t, "a": round(a[t], 6), "b": round(b[t], 6), "change": round(b[t] - a[t], 6)} for t in shared]
    improved = [r["task"] for r in rows if r["change"] > 0]
    regressed = [r["task"] for r in rows if r["change"] < 0]
    low, high = stats.bootstrap_mean([r["change"] for r in rows])
    one_sample = max(summary_a.get("samples_per_task", 1), summary_b.get("samples_per_task", 1)) == 1
    return {
        "a": _describe(run_a, summary_a), "b": _describe(run_b, summary_b),
        "tasks_compared": len(shared),
        "only_in_a": sorted(set(a) - set(b)), "only_in_b": sorted(set(b) - set(a)),
        "pass_at_1": {"a": round(sum(a[t] for t in shared) / len(shared), 6),
                      "b": round(sum(b[t] for t in shared) / len(shared), 6)},
        "change": {"mean": round(sum(r["change"] for r in rows) / len(rows), 6), "low": round(low, 6),
                   "high": round(high, 6), "method": f"paired {stats.BOOTSTRAP}"},
        "warnings": _warnings(summary_a, summary_b),
        "improved": improved, "regressed": regressed,
        "flips": {"fixed": [t for t in improved if a[t] == 0 and b[t] == 1],
                  "broken": [t for t in regressed if a[t] == 1 and b[t] == 0]},
        "test": {"name": "McNemar's exact test" if one_sample else
                 "exact sign test on tasks whose pass@1 changed (McNemar's exact test for one sample per task)",
                 "improved": len(improved), "regressed": len(regressed),
                 "p_value": round(stats.sign_test(len(improved), len(regressed)), 6)},
        "per_task": rows,
    }


def _warnings(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """What makes the two runs less comparable than they look."""
    found = []
    if a.get("benchmark") != b.get("benchmark"):
        found.append(f"different benchmarks: {a.get('benchmark')} and {b.get('benchmark')}")
    for key in ("model", "feedback", "max_iters"):
        if a.get(key) != b.get(key):
            found.append(f"different {key.replace('_', ' ')}: {a.get(key)} and {b.get(key)}")
    for run, summary in (("A", a), ("B", b)):
        if not summary.get("complete", True):
            found.append(f"run {run} is incomplete: samples that never ran count as failures")
    return found


def _describe(folder: Path, summary: dict[str, Any]) -> dict[str, Any]:
    return {"run": str(folder), "benchmark": summary.get("benchmark"), "model": summary.get("model"),
            "feedback": summary.get("feedback"), "samples_per_task": summary.get("samples_per_task"),
            "flow": summary.get("flow") or "oneshot", "grain": summary.get("grain"),
            "pass_at_k": summary.get("pass_at_k")}


def text(result: dict[str, Any]) -> str:
    """The comparison for people."""
    a, b, test = result["a"], result["b"], result["test"]
    change = result["change"]
    lines = [f"{side}: {run['run']} ({run['model']}, flow {run.get('flow') or 'oneshot'}, "
             f"grain {run.get('grain') or 'as given'}, feedback {run['feedback']}, "
             f"{run['samples_per_task']} sample(s)/task)" for side, run in (("A", a), ("B", b))]
    lines += [f"{result['tasks_compared']} tasks in both: pass@1 {100 * result['pass_at_1']['a']:.1f}% -> "
              f"{100 * result['pass_at_1']['b']:.1f}% (change {100 * change['mean']:+.1f} points, 95% interval "
              f"{100 * change['low']:+.1f} to {100 * change['high']:+.1f}, {change['method']})",
              f"{test['name']}: {test['improved']} improved, {test['regressed']} regressed, p = {test['p_value']:.4g}"]
    lines += [f"warning: {w}" for w in result["warnings"]]
    for label, names in (("fixed (fail -> pass)", result["flips"]["fixed"]),
                         ("broken (pass -> fail)", result["flips"]["broken"])):
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    others = sorted(set(result["improved"] + result["regressed"]) - set(result["flips"]["fixed"])
                    - set(result["flips"]["broken"]))
    for task in others:
        row = next(r for r in result["per_task"] if r["task"] == task)
        lines.append(f"changed: {task}: pass@1 {100 * row['a']:.0f}% -> {100 * row['b']:.0f}%")
    for side in ("a", "b"):
        if result[f"only_in_{side}"]:
            lines.append(f"only in {side.upper()} (not compared): {', '.join(result[f'only_in_{side}'])}")
    return "\n".join(lines)
