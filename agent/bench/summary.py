"""An evaluation's summary from its results.jsonl records: pass@k, statuses, pass rate by iteration, spend.

Every task counts with all its samples: a sample with no record (never run) or one the loop never
finished (the endpoint failed, a crash) is a failure, never dropped from the denominator.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from aigchip.bench import passk, stats
from aigchip.bench.results import by_task

NOT_RUN = "not_run"
DIFFICULTIES = ("easy", "medium", "hard")  # tags that name a task's difficulty (AccelBench's convention)


def summarize(records: list[dict[str, Any]], *, benchmark: Any, config: Any, samples: int, ks: list[int],
              tasks: list[Any], skipped: list[dict[str, str]], identity: dict[str, Any], concurrency: int, jobs: int,
              wall_s: float, complete: bool, resumed: int = 0, retried: int = 0, left_out: int = 0,
              preflight: dict[str, dict[str, Any]] | None = None, preflight_enabled: bool = True) -> dict[str, Any]:
    """The contract's keys (benchmark, model, tasks, samples_per_task, pass_at_k, status_counts, feedback,
    toolchain, reference_failures) and the rest a reader needs to trust and compare the run.

    `tasks` are every task selected; `preflight` ({task id: finding}, see bench.preflight) says which are
    sound. pass@k is over the sound tasks; `pass_at_k_all_tasks` counts the unsound ones as failures."""
    from aigchip import prompts
    from aigchip.bench import preflight as checks
    from aigchip.sim import tools

    found = preflight or {}
    sound = [t for t in tasks if found.get(t.id, {}).get("state") != checks.UNSOUND]
    ids = {t.id for t in sound}
    counted = [r for r in records if r["task"] in ids and 0 <= r["sample"] < samples]
    grouped = by_task(counted)
    per_task = [{**task_row(t.id, grouped.get(t.id, []), samples), **cost_beside_reference(t, grouped.get(t.id, []))}
                for t in sound]
    expected = len(sound) * samples
    reference = config.model == "reference"
    ran = max((int(r.get("iterations") or 0) for r in counted), default=0)
    stopped = Counter(str(r.get("stopped")) for r in counted)
    tags = by_tag(sound, per_task, samples, ks)
    return {
        "benchmark": benchmark.name,
        "layout": getattr(benchmark, "layout", None),
        "model": model_name(counted, config.model),
        "llm_used": config.uses_llm,
        "tasks": len(tasks),
        "sound_tasks": len(sound),
        "samples_per_task": samples,
        "pass_at_k": passk.pass_at_ks([(samples, row["passes"]) for row in per_task], ks),
        "pass_at_k_interval": stats.pass_at_k_intervals([(samples, row["passes"]) for row in per_task], ks),
        "pass_at_k_all_tasks": passk.pass_at_ks(
            [(samples, row["passes"]) for row in per_task] + [(samples, 0)] * (len(tasks) - len(sound)), ks),
        "denominators": {"sound_tasks": len(sound), "all_tasks": len(tasks)},
        "ks_requested": ks,
        "pass_rate": round(sum(row["passes"] for row in per_task) / expected, 6) if expected else None,
        "status_counts": status_counts(counted, expected),
        "stopped_counts": dict(sorted(stopped.items(), key=lambda item: (-item[1], item[0]))),
        "self_tests_passed_golden_failed": stopped.get("self_tests_passed_golden_failed", 0),
        "pass_rate_by_iteration": pass_rate_by_iteration(counted, expected, min(ran, iterations(config))),
        "samples_by_iteration": {str(i): sum(1 for r in counted if int(r.get("iterations") or 0) >= i)
                                 for i in range(1, min(ran, iterations(config)) + 1)},
        "feedback": config.feedback if not reference else "none",
        "max_iters": iterations(config),
        "iterations_ran": ran,
        "tokens": spend(counted),
        "demos": demo_use(counted, config),
        "wall_time_s": round(wall_s, 3),
        "sample_time_s": round(sum(float(r.get("duration_s") or 0) for r in counted), 3),
        "samples": {"expected": expected, "finished": len(counted), "resumed": resumed, "retried": retried,
                    "left_out_lines": left_out, "model_errors": sum(r.get("stopped") == "model_error" for r in counted),
                    "crashes": sum(r.get("stopped") == "crash" for r in counted)},
        "reference_failures": checks.reference_failures(found),
        "preflight": checks.summary_of(found, preflight_enabled),
        "skipped": skipped,
        "tasks_without_tests": [t.id for t in tasks if not t.has_golden_tests],
        "benchmark_problems": [str(p) for p in getattr(benchmark, "problems", [])],
        "per_task": per_task,
        "by_tag": tags,
        "by_difficulty": {level: tags[level] for level in DIFFICULTIES if level in tags},
        "toolchain": tools.toolchain(),
        "templates": prompts.template_hashes(),
        "concurrency": concurrency,
        "jobs": jobs,
        "run_identity": identity,
        "config": config.model_dump(mode="json"),
        "complete": complete,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def by_tag(tasks: list[Any], per_task: list[dict[str, Any]], samples: int, ks: list[int]) -> dict[str, Any]:
    """Per tag (a tier like `system` or `block`, a category, a difficulty): its tasks, passes, pass rate and
    pass@k, so that the tiers of one benchmark are read apart."""
    rows = {row["task"]: row for row in per_task}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        for tag in dict.fromkeys(task.tags):
            grouped.setdefault(tag, []).append(rows[task.id])
    return {tag: {"tasks": len(group), "passes": sum(r["passes"] for r in group),
                  "pass_rate": round(sum(r["passes"] for r in group) / (len(group) * samples), 6),
                  "pass_at_k": passk.pass_at_ks([(samples, r["passes"]) for r in group], ks)}
            for tag, group in sorted(grouped.items())}


def iterations(config: Any) -> int:
    """The most iterations a sample can take under this config."""
    return 1 if config.model == "reference" or config.feedback == "none" else config.max_iters


def task_row(task_id: str, records: list[dict[str, Any]], samples: int) -> dict[str, Any]:
    """A task's samples, passes and statuses; `first_failure` is its lowest-numbered failed sample (its
    status, message and transcript folder relative to the run), or None when every sample passed."""
    statuses = Counter(r["status"] for r in records)
    if len(records) < samples:
        statuses[NOT_RUN] += samples - len(records)
    failed = sorted((r for r in records if r["status"] != "pass"), key=lambda r: int(r["sample"]))
    first = None
    if failed:
        first = {"sample": failed[0]["sample"], "status": failed[0]["status"],
                 "message": str(failed[0].get("message") or ""), "transcript": failed[0].get("transcript")}
    elif len(records) < samples:
        first = {"sample": None, "status": NOT_RUN, "message": "never ran", "transcript": None}
    return {"task": task_id, "samples": samples, "passes": statuses.get("pass", 0),
            "statuses": dict(sorted(statuses.items())), "first_failure": first}


def cost_beside_reference(task: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    """With `--synth`: the cost of the task's first passing sample, the reference's recorded cost and the
    area ratio (cells over the reference's cells); nothing when no sample was costed."""
    passing = [r for r in sorted(records, key=lambda r: int(r["sample"])) if r["status"] == "pass" and r.get("cost")]
    if not passing:
        return {}
    cost = passing[0]["cost"]
    reference = {k: v for k, v in (getattr(task, "cost", None) or {}).items() if isinstance(v, (int, float))}
    row: dict[str, Any] = {"cost": cost, "reference_cost": reference or None}
    if cost.get("cells") and reference.get("cells"):
        row["area_ratio"] = round(cost["cells"] / reference["cells"], 3)
    return row


def status_counts(records: list[dict[str, Any]], expected: int) -> dict[str, int]:
    counts = Counter(r["status"] for r in records)
    if expected > len(records):
        counts[NOT_RUN] = expected - len(records)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def pass_rate_by_iteration(records: list[dict[str, Any]], expected: int, most: int) -> dict[str, float]:
    """{"i": fraction of all samples whose best design so far passed after iteration i}, for the iterations
    that ran (`most`: the most any sample took). A sample that passed earlier keeps counting; the last value
    is the overall pass rate."""
    if not expected:
        return {}
    passed_at = [r["passed_at"] for r in records if r["status"] == "pass" and r.get("passed_at")]
    return {str(i): round(sum(1 for at in passed_at if at <= i) / expected, 6) for i in range(1, most + 1)}


def demo_use(records: list[dict[str, Any]], config: Any) -> dict[str, Any]:
    """How many demonstrations the prompts carried: asked for per prompt, the minimum relevance, and how many
    samples got some or none (a spec no demo fits gets none); records without `demos` (reference mode, an
    unattempted sample, an older run) are not counted."""
    sent = [len(r["demos"]) for r in records if isinstance(r.get("demos"), list)]
    return {"asked": config.demos, "min_score": getattr(config, "demo_min_score", None), "sent": sum(sent),
            "samples_with": sum(1 for n in sent if n), "samples_without": sum(1 for n in sent if not n)}


def spend(records: list[dict[str, Any]]) -> dict[str, Any]:
    tokens = [r.get("tokens") or {} for r in records]
    costs = [t["cost_usd"] for t in tokens if t.get("cost_usd") is not None]
    return {"prompt": sum(int(t.get("prompt") or 0) for t in tokens),
            "completion": sum(int(t.get("completion") or 0) for t in tokens),
            "total": sum(int(t.get("total") or 0) for t in tokens),
            "cost_usd": round(sum(costs), 6) if costs else None,
            "replies": sum(int(r.get("replies") or 0) for r in records),
            "cached_replies": sum(int(r.get("cached_replies") or 0) for r in records)}


def model_name(records: list[dict[str, Any]], configured: str) -> str:
    """The name the samples' model answered to (the most common one), else the configured name."""
    names = Counter(r["model"] for r in records if r.get("model"))
    return names.most_common(1)[0][0] if names else configured
