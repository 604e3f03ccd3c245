"""The whole flow for one accelerator: plan, approval, modules bottom-up, integration, cost, record.

The run folder (`out`) holds `plan.yaml` (as approved), `accel.json` (the tree with each module's status,
the system verdict, the cost, the spend), `session.jsonl` (the planning transcript and the flow's events)
and `modules/NAME/` for every module in the `generate --out` layout; the top's folder is the integrated
design with its system verdict. Run again on the same folder, the flow resumes: the approved plan is
reused and every module already verified against the same plan entry is kept without a model call.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field

from aigchip.accel import build, planner, plan_check
from aigchip.accel.modules import ModuleResult, Workshop
from aigchip.accel.plan import PLAN_FILE, Plan, PlanError
from aigchip.accel.plan import load as load_plan
from aigchip.accel.plan_check import PlanProblem
from aigchip.config import RunConfig
from aigchip.models import Model, ModelError, Usage
from aigchip.models.throttled import Throttled
from aigchip.record import Recorder
from aigchip.sim.files import write_atomic
from aigchip.task import Task

STATE = "accel.json"
Approve = Callable[[Plan, Path], bool]


class AccelResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    status: str  # pass, fail, planned (awaiting approval), building (in accel.json while it runs), plan_error, model_error
    message: str = ""
    plan: Plan | None = None
    modules: dict[str, ModuleResult] = Field(default_factory=dict)
    problems: list[PlanProblem] = Field(default_factory=list)  # why the plan cannot be used
    system: dict[str, Any] | None = None  # the top's final verdict, in short
    repairs: list[dict[str, Any]] = Field(default_factory=list)  # what integration sent back, and why
    cost: dict[str, Any] = Field(default_factory=dict)
    plan_usage: Usage = Field(default_factory=Usage)
    duration_s: float = 0.0
    out: str = ""

    def tree(self, name: str | None = None) -> dict[str, Any] | None:
        """The module tree from the top, each node with its status (the JSON contract's `plan`)."""
        if self.plan is None:
            return None
        name = name or self.plan.top
        result = self.modules.get(name) or ModuleResult(name=name)
        node: dict[str, Any] = {"name": name, "status": result.status, "tests": result.tests,
                                "iterations": result.iterations, "tokens": result.tokens, "reused": result.reused,
                                "repairs": result.repairs, "message": result.message}
        node["children"] = [self.tree(c) for c in self.plan.module(name).children if c in self.plan.names]
        return node

    def summary(self) -> dict[str, Any]:
        tokens = self.plan_usage.total_tokens + sum(m.tokens for m in self.modules.values())
        return {"status": self.status, "message": self.message, "name": self.plan.name if self.plan else None,
                "top": self.plan.top if self.plan else None, "plan": self.tree(), "cost": self.cost,
                "system": self.system, "repairs": self.repairs,
                "problems": [p.model_dump() for p in self.problems], "tokens": tokens,
                "modules": {n: m.model_dump() for n, m in self.modules.items()},
                "duration_s": round(self.duration_s, 3), "out": self.out}


def settle_plan(task: Task, model: Model | None, out: Path, recorder: Recorder, *, given: Path | None,
                has_tests: bool, sample_index: int = 0) -> tuple[Plan | None, list[PlanProblem], Usage, bool]:
    """The plan to build: the one given (--plan), else the one approved earlier in `out`, else a new one from
    the model. Returns (plan, problems, usage, needs_approval)."""
    source = given or (out / PLAN_FILE if (out / PLAN_FILE).is_file() else None)
    if source is not None:
        try:
            plan = load_plan(source)
        except PlanError as exc:
            return None, [PlanProblem(kind="unparseable", message=f"{source}: {p}") for p in exc.problems], Usage(), False
        problems = planner.for_task(plan, task) or plan_check.check(plan)
        approved = given is not None or _state(out).get("approved") is True
        return (None if problems else plan), problems, Usage(), not approved
    if model is None:
        raise ValueError("no plan given and no model to write one")
    planned = planner.ask(task, model, recorder, has_tests=has_tests, sample_index=sample_index)
    return planned.plan, planned.problems, planned.usage, True


def run_accel(task: Task, config: RunConfig, *, out: Path, model: Model, plan_file: Path | None = None,
              approve: Approve | None = None, check: Callable[..., list] | None = None,
              progress: build.Progress = build._quiet, concurrency: int = 8, repairs: int = 3,
              sample_index: int = 0, fpga: str | None = None, fmax: bool = False) -> AccelResult:
    """Plan and build `task` into `out`. `approve(plan, plan_path)` is asked before any RTL is written
    (None: approved); `check` replaces sim.verify_many (eval limits checks across samples with it); `fpga`
    and `fmax` add FPGA figures to the cost of a passing accelerator (see accel.cost)."""
    from aigchip.demos import corpus_for

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(out)
    result = AccelResult(status="plan_error", out=str(out))
    try:
        plan, problems, usage, needs_approval = settle_plan(
            task, model, out, recorder, given=plan_file, has_tests=task.has_golden_tests, sample_index=sample_index)
        result.plan_usage, result.problems = usage, problems
        if plan is None:
            result.message = "the plan cannot be used: " + "; ".join(p.render() for p in problems[:3])
            return result
        result.plan = plan
        write_atomic(out / PLAN_FILE, plan.to_yaml())
        result.modules = {n: ModuleResult(name=n) for n in plan.order()}
        if needs_approval and approve is not None and not approve(plan, out / PLAN_FILE):
            result.status = "planned"
            result.message = f"the plan is in {out / PLAN_FILE}: read it (edit it if you like) and approve it to build"
            return result
        result.status, result.message = "building", "modules are being built"
        _save_state(out, result, approved=True)
        entries, index = corpus_for(config) if config.demos else ([], None)
        ws = Workshop(plan=plan, task=task, config=config, model=Throttled(model, threading.BoundedSemaphore(concurrency)),
                      out=out, demo_entries=entries, demo_index=index, slots=threading.BoundedSemaphore(config.jobs),
                      sample_index=sample_index)
        if check is not None:
            ws.check = check
        kept = build.keep_verified(ws, result.modules)
        recorder.event("build", kept=kept)

        def tell(name: str, status: str, detail: str) -> None:
            recorder.event("module", module=name, status=status, detail=detail)
            _save_state(out, result, approved=True)
            progress(name, status, detail)

        integrating = repairs > 0 and config.feedback in ("golden", "self")
        build.build_tree(ws, result.modules, progress=tell, top_iters=1 if integrating else None)
        if integrating and result.modules[plan.top].status == "failed":
            from aigchip.accel import integrate

            integrate.repair(ws, result, rounds=repairs, progress=tell)
        _conclude(ws, result, fpga=fpga, fmax=fmax)
        return result
    except ModelError as exc:
        result.status, result.message = "model_error", f"model error: {exc}"
        return result
    finally:
        result.duration_s = time.monotonic() - started
        recorder.event("end", status=result.status, message=result.message)
        recorder.close()
        if result.status != "plan_error" or result.plan is not None:
            _save_state(out, result, approved=result.status != "planned")


def _conclude(ws: Workshop, result: AccelResult, *, fpga: str | None = None, fmax: bool = False) -> None:
    top = ws.plan.top
    meta = _state_of(ws.folder(top) / "meta.json")
    verdict = meta.get("verdict") or {}
    result.system = {"status": verdict.get("status"), "folder": f"modules/{top}",
                     "tests": result.modules[top].tests} if verdict else None
    failed = [n for n, m in result.modules.items() if m.status != "verified"]
    if not failed:
        from aigchip.accel import cost

        result.status, result.message = "pass", "every module and the system test passed"
        result.cost = cost.measure(ws, fpga=fpga, fmax=fmax)
    else:
        result.status = "fail"
        result.message = "not verified: " + ", ".join(f"{n} ({result.modules[n].status})" for n in failed)


def _state_of(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _state(out: Path) -> dict[str, Any]:
    return _state_of(out / STATE)


def _save_state(out: Path, result: AccelResult, *, approved: bool) -> None:
    write_atomic(out / STATE, json.dumps({**result.summary(), "approved": approved}, indent=1, default=str) + "\n")
