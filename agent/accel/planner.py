"""Ask the model for a plan, check it, and send what is wrong back until it holds or the tries run out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aigchip import prompts
from aigchip.accel import plan_check
from aigchip.accel.plan import Plan, PlanError, parse
from aigchip.accel.plan_check import PlanProblem
from aigchip.models.local import record_line
from aigchip.models import Message, Model, Usage
from aigchip.record import Recorder
from aigchip.sim import source
from aigchip.task import Task

PLAN_TRIES = 3


class Planned(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    plan: Plan | None  # None when no attempt gave a usable plan
    problems: list[PlanProblem] = Field(default_factory=list)  # the last attempt's
    attempts: int = 0
    usage: Usage = Field(default_factory=Usage)


def for_task(plan: Plan, task: Task) -> list[PlanProblem]:
    """What the task fixes and the plan must keep: the top's name and its interface's ports."""
    problems = []
    fixed_top = source.module_names(task.interface)[:1] or ([task.top] if task.top not in ("", "top") else [])
    if fixed_top and plan.top != fixed_top[0]:
        problems.append(PlanProblem(kind="missing_top", module=plan.top, message=(
            f"the task's top module is `{fixed_top[0]}`: name the plan's top so, with the task's interface")))
    elif fixed_top and task.interface and plan.top in plan.names:
        wanted = source.module_ports(task.interface, plan.top)
        got = source.module_ports(plan.module(plan.top).interface(), plan.top)
        if wanted and got != wanted:
            differ = sorted({p[0] for p in set(wanted) ^ set(got)})
            problems.append(PlanProblem(kind="top_interface", module=plan.top, message=(
                "the top's header must have exactly the task's interface (names, directions, widths, "
                f"signedness); these ports differ: {', '.join(differ)}")))
    return problems


def ask(task: Task, model: Model, recorder: Recorder, *, has_tests: bool, sample_index: int = 0,
        tries: int = PLAN_TRIES) -> Planned:
    """Plan `task` with `model`; every request and reply goes to `recorder`."""
    top = source.module_names(task.interface)[:1] or ([task.top] if task.top not in ("", "top") else [""])
    messages: list[Message] = [
        {"role": "system", "content": prompts.render("system")},
        {"role": "user", "content": prompts.render("accel_plan", spec=_request(task), top=top[0],
                                                   interface=task.interface, has_tests=has_tests)},
    ]
    return _settle(messages, task, model, recorder, purpose="plan", sample_index=sample_index, tries=tries)


def revise(plan: Plan, request: str, task: Task, model: Model, recorder: Recorder, *, tries: int = PLAN_TRIES) -> Planned:
    """`plan` changed as `request` asks ("make the array 8x8"), checked like a new plan; the model is told to
    leave every module the change does not affect exactly as it is, so that those modules are kept."""
    messages: list[Message] = [
        {"role": "system", "content": prompts.render("system")},
        {"role": "user", "content": prompts.render("accel_plan_change", plan_name=plan.name, request=request,
                                                   plan_yaml=plan.to_yaml(), has_golden=bool(plan.system_test))},
    ]
    return _settle(messages, task, model, recorder, purpose="plan_change", tries=tries)


def _settle(messages: list[Message], task: Task, model: Model, recorder: Recorder, *, purpose: str,
            sample_index: int = 0, tries: int = PLAN_TRIES) -> Planned:
    """Ask, check, and send the problems back until the plan holds or the tries run out."""
    planned = Planned(plan=None)
    for attempt in range(1, tries + 1):
        recorder.event("request", purpose=purpose, attempt=attempt, messages=messages)
        reply = model.complete(messages, n=1, sample_index=sample_index)[0]
        planned.usage = planned.usage + reply.usage
        planned.attempts = attempt
        recorder.line({**record_line(messages, reply), "purpose": purpose, "attempt": attempt})
        try:
            plan = parse(reply.text)
        except PlanError as exc:
            planned.problems = [PlanProblem(kind="unparseable", message=p) for p in exc.problems]
        else:
            planned.problems = for_task(plan, task) or plan_check.check(plan)
            if not planned.problems:
                planned.plan = plan
                recorder.event("plan_accepted", attempt=attempt)
                return planned
        recorder.event("plan_problems", attempt=attempt, problems=[p.model_dump() for p in planned.problems])
        feedback = prompts.render("accel_plan_feedback", problems=[p.render() for p in planned.problems])
        messages = [*messages, {"role": "assistant", "content": reply.text}, {"role": "user", "content": feedback}]
    return planned


def _request(task: Task) -> str:
    """The request at every grain the task gives, most general first."""
    grains = [(g, text) for g in ("high_level", "detailed", "block") if (text := task.spec.get(g))]
    if len(grains) == 1:
        return grains[0][1]
    titles = {"high_level": "In short", "detailed": "In detail", "block": "Block by block"}
    return "\n\n".join(f"{titles[g]}:\n{text.strip()}" for g, text in grains)
