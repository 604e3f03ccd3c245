"""How `aigchip eval` runs one sample, and which part of each task's spec the model sees.

`--flow oneshot` is one `generate` call (one reply holds the whole design); `--flow accel` plans the task
as a tree of modules and builds it with the accelerator flow (aigchip.accel), so the two are compared on
the same tasks with the same model in one report. Either way the task's own tests make the final call.

`--grain high_level|detailed|block` shows the model only that grain of each task's spec (with the
interface); a task that has no text at that grain is left out and listed in the summary's `skipped`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from aigchip.config import RunConfig
from aigchip.models import Model
from aigchip.sim.types import Status
from aigchip.task import GRAINS, Task

FLOWS = ("oneshot", "accel")


def check_choice(flow: str, grain: str | None, model: str) -> None:
    if flow not in FLOWS:
        raise ValueError(f"--flow must be one of {', '.join(FLOWS)}, not {flow!r}")
    if flow == "accel" and model in ("offline", "reference"):
        raise ValueError(f"--flow accel needs a model to plan and write modules; --model {model} has none "
                         "(it answers with whole designs: use it with --flow oneshot)")
    if grain is not None and grain not in GRAINS:
        raise ValueError(f"--grain must be one of {', '.join(GRAINS)}, not {grain!r}")


def at_grain(tasks: list[Task], grain: str | None) -> tuple[list[Task], list[dict[str, str]]]:
    """Each task with only its spec at `grain` (all of it when None), and the tasks left out for lack of it."""
    if grain is None:
        return tasks, []
    kept = [t.model_copy(update={"spec": {grain: t.spec[grain]}}) for t in tasks if (t.spec.get(grain) or "").strip()]
    skipped = [{"task": t.id, "reason": f"no spec at grain {grain} (it has {', '.join(sorted(t.spec)) or 'none'})"}
               for t in tasks if not (t.spec.get(grain) or "").strip()]
    return kept, skipped


def accel_sample(task: Task, sample: int, config: RunConfig, *, folder: Path, model: Model,
                 check: Callable[..., list], concurrency: int) -> dict[str, Any]:
    """One sample through the accelerator flow into `folder` (an unfinished sample's verified modules are
    kept when --resume runs it again). The record's `status` is the task's own tests' verdict on the
    integrated design; `modules`, `repairs` and `cost` say how the flow got there."""
    from aigchip.accel.flow import run_accel

    started = time.monotonic()
    result = run_accel(task, config, out=folder, model=model, check=check, concurrency=concurrency,
                       sample_index=sample)
    top_meta = _meta(folder / "modules" / result.plan.top / "meta.json") if result.plan else {}
    status, stopped, message = _verdict(result, top_meta)
    modules = result.summary()["modules"]
    spent = _spend(folder)
    deepest = max((m["iterations"] for m in modules.values()), default=0)
    return {"task": task.id, "sample": sample, "status": status, "iterations": deepest,
            "tokens": {"prompt": spent["prompt"], "completion": spent["completion"],
                       "total": spent["prompt"] + spent["completion"], "cost_usd": spent["cost_usd"]},
            "stopped": stopped, "duration_s": round(time.monotonic() - started, 3),
            "statuses": modules[result.plan.top]["attempts"] if result.plan else [],
            # passed with every module done within this many rounds
            "passed_at": min(deepest, config.max_iters) if status == str(Status.PASS) else None,
            "model": model.name, "replies": spent["replies"], "cached_replies": spent["cached_replies"],
            "message": message[:500], "flow": "accel", "accel_status": result.status,
            "modules": {n: {"status": m["status"], "tests": m["tests"], "iterations": m["iterations"],
                            "repairs": m["repairs"]} for n, m in modules.items()},
            "repairs": [r.get("module") for r in result.repairs], "cost": _short_cost(result.cost)}


def _verdict(result: Any, top_meta: dict[str, Any]) -> tuple[str, str, str]:
    """(status, stopped, message): the top's verdict from the task's tests when the top was built, else why
    there is no integrated design (the plan failed, or a module below the top did not pass)."""
    unanswered = [n for n, m in result.modules.items() if m.stopped == "model_error" and m.status != "verified"]
    if result.status == "model_error" or unanswered:  # the endpoint failed: --resume tries the sample again
        said = result.message if result.status == "model_error" else \
            f"module {unanswered[0]}: model error: {result.modules[unanswered[0]].message}"
        return str(Status.TOOL_ERROR), "model_error", said
    if result.plan is None:
        return str(Status.NO_CODE), "plan_error", result.message
    verdict = (top_meta.get("verdict") or {}).get("status")
    if verdict:
        return str(verdict), "pass" if verdict == "pass" else "accel_" + result.status, result.message
    failed = [(n, m) for n, m in result.modules.items() if m.status == "failed"]
    if failed:
        name, module = failed[0]
        last = module.attempts[-1] if module.attempts else str(Status.NO_CODE)
        return last, "module_failed", f"module {name} did not pass its tests: {module.message}"
    return str(Status.NO_CODE), "accel_" + result.status, result.message


def _short_cost(cost: dict[str, Any]) -> dict[str, Any]:
    return {k: cost[k] for k in ("cycles_per_job", "latency_cycles", "cells", "ffs") if cost.get(k) is not None}


def _meta(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _spend(folder: Path) -> dict[str, Any]:
    """Tokens, replies and cached replies of every model call the sample made (plan, tests, modules),
    read from its transcripts."""
    found: dict[str, Any] = {"prompt": 0, "completion": 0, "cost_usd": None, "replies": 0, "cached_replies": 0}
    for session in [folder / "session.jsonl", *sorted(folder.glob("modules/*/session.jsonl"))]:
        try:
            text = session.read_text(encoding="utf-8")
        except OSError:
            continue
        for raw in text.splitlines():
            try:
                reply = json.loads(raw).get("reply")
            except (ValueError, AttributeError):
                continue
            if not isinstance(reply, dict):
                continue
            usage = reply.get("usage") or {}
            for kind in ("prompt", "completion"):
                found[kind] += int(usage.get(f"{kind}_tokens") or 0)
            if usage.get("cost_usd") is not None:
                found["cost_usd"] = (found["cost_usd"] or 0.0) + float(usage["cost_usd"])
            found["replies"] += 1
            found["cached_replies"] += bool(reply.get("cached"))
    return found
