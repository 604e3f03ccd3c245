"""The accelerator flow inside a chat session (terminal and page alike, through the command table).

`/accel REQUEST` plans a whole accelerator and stops for approval, showing the plan a person reads; `/approve`
builds it (modules bottom-up, integration, system test, cost); `/plan` shows the module tree with each
module's status; `/plan change TEXT` ("make the array 8x8") has the model revise the plan, keeping every
module the change does not touch, and rebuilds only the affected modules before re-running the system
test; `/plan load FILE` takes a person's edit of plan.yaml. The run folder is the session's `accel/`, the
same layout as `aigchip accel --out`, so `aigchip regress` re-checks it and a later build resumes from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aigchip.accel import plan_check, planner, show
from aigchip.accel.flow import STATE, AccelResult, run_accel
from aigchip.accel.plan import PLAN_FILE, Plan, PlanError, parse
from aigchip.chat.progress import Progress
from aigchip.chat.session import ChatSession
from aigchip.chat.store import Turn
from aigchip.record import Recorder
from aigchip.task import Task

FOLDER = "accel"
REQUEST = "request.txt"
NO_PLAN = "no accelerator in this session yet: /accel REQUEST plans one"


def folder(session: ChatSession) -> Path:
    return session.folder / FOLDER


def view(session: ChatSession) -> str:
    """The plan tree with each module's status, the cost when it passed, and what to do next."""
    state = _state(session)
    if not state:
        return NO_PLAN
    lines = show.tree_lines(state.get("plan"))
    if state.get("cost"):
        lines += ["", *show.cost_lines(state["cost"])]
    lines += ["", f"{state.get('status')}: {state.get('message') or ''}".rstrip(": ")]
    if not state.get("approved"):
        lines.append("the plan awaits approval: /approve builds it, /plan change TEXT changes it, "
                     "/plan load FILE replaces it with your edit")
    return "\n".join(lines)


def none_yet(session: ChatSession) -> None:
    """ValueError unless the session can start an accelerator (it has none)."""
    if (folder(session) / PLAN_FILE).is_file():
        raise ValueError("this session already has an accelerator: /plan shows it, /plan change TEXT changes it")


def planned(session: ChatSession) -> None:
    """ValueError unless the session has a plan to build or change."""
    if not (folder(session) / PLAN_FILE).is_file():
        raise ValueError(NO_PLAN)


def page_view(session: ChatSession) -> dict[str, Any] | None:
    """What the page's Accelerator card shows (None: the session has no accelerator): the tree and the cost as
    the terminal prints them, the status, whether the plan awaits approval, and plan.yaml to read and edit."""
    state = _state(session)
    if not state:
        return None
    try:
        plan_yaml = (folder(session) / PLAN_FILE).read_text(encoding="utf-8")
    except OSError:
        plan_yaml = ""
    return {"status": state.get("status"), "message": state.get("message") or "",
            "approved": bool(state.get("approved")), "tree": "\n".join(show.tree_lines(state.get("plan"))),
            "cost": "\n".join(show.cost_lines(state.get("cost") or {})), "plan_yaml": plan_yaml}


def start(session: ChatSession, request: str, progress: Progress) -> Turn:
    """Plan `request` and stop for approval."""
    request = request.strip()
    if not request:
        raise ValueError("say what the accelerator should do: /accel REQUEST")
    none_yet(session)
    if session.config.model == "offline":
        raise ValueError("the offline baseline cannot plan an accelerator: choose a model with /model NAME")
    return _turn(session, f"/accel {request}", lambda turn: _plan_first(session, request, turn, progress))


def approve(session: ChatSession, progress: Progress) -> Turn:
    """Build the plan as it stands."""
    planned(session)
    return _turn(session, "/approve", lambda turn: _build(session, turn, progress, changed=None))


def change(session: ChatSession, request: str, progress: Progress) -> Turn:
    """The model revises the plan; only the modules whose entry changed (and the parents written against them)
    are rebuilt, then the system test runs again. Before approval the revised plan waits for /approve."""
    planned(session)
    if not request.strip():
        raise ValueError("say what to change: /plan change make the array 8x8")
    return _turn(session, f"/plan change {request.strip()}", lambda turn: _revise(session, request, turn, progress))


def load(session: ChatSession, files: dict[str, str], progress: Progress) -> Turn:
    """A person's edit of the plan, checked like the model's, then treated like a change."""
    planned(session)
    if len(files) != 1:
        raise ValueError("give one plan file (YAML or JSON)")
    (name, text), = files.items()
    try:
        edited = parse(text)
    except PlanError as exc:
        raise ValueError(f"{name}: " + "; ".join(exc.problems[:4])) from None
    return _turn(session, f"/plan load {name}", lambda turn: _adopt(session, edited, turn, progress, who="your edit"))


# -- the work, inside a turn --------------------------------------------------------------------------------

def _turn(session: ChatSession, text: str, work: Any) -> Turn:
    with session._operation():
        turn = session._add_turn("accel", text)
        session._guarded(turn, lambda: work(turn))
        return turn


def _task(session: ChatSession) -> Task:
    request = (folder(session) / REQUEST).read_text(encoding="utf-8")
    return Task(id=f"chat-{session.state.id}-accel", top="top", spec={"detailed": request}, source="chat")


def _run(session: ChatSession, progress: Progress, *, build: bool) -> AccelResult:
    task = _task(session)
    config = session.config.model_copy(update={"feedback": "golden"})
    model = session._model(config, task)

    def tell(name: str, status: str, detail: str) -> None:
        progress(f"{name}: {status}" + (f" ({detail})" if detail else ""))

    return run_accel(task, config, out=folder(session), model=model, progress=tell,
                     approve=None if build else (lambda plan, path: False))


def _plan_first(session: ChatSession, request: str, turn: Turn, progress: Progress) -> None:
    out = folder(session)
    out.mkdir(parents=True, exist_ok=True)
    (out / REQUEST).write_text(request + "\n", encoding="utf-8")
    progress("planning the accelerator")
    result = _run(session, progress, build=False)
    if result.plan is None:
        (out / REQUEST).unlink()  # nothing to keep: /accel may be tried again
        turn.state, turn.answer = "failed", result.message or "the model gave no plan"
        return
    turn.state = "done"
    turn.answer = (f"{show.plan_text(result.plan)}\n\nThe plan is in {out / PLAN_FILE}. /approve builds it; "
                   "/plan change TEXT changes it; /plan load FILE replaces it with your edit.")


def _build(session: ChatSession, turn: Turn, progress: Progress, *, changed: list[str] | None) -> None:
    result = _run(session, progress, build=True)
    summary = result.summary()
    lines = []
    if changed is not None:
        kept = [n for n, m in result.modules.items() if m.reused]
        lines.append(f"changed: {', '.join(changed) or 'no module'}; kept as verified: {', '.join(kept) or 'none'}")
    lines += show.tree_lines(summary["plan"])
    if result.cost:
        lines += ["", *show.cost_lines(result.cost)]
    lines.append(f"\n{result.status}: {result.message}")
    turn.state = "done" if result.status == "pass" else "failed"
    turn.answer = "\n".join(lines)


def _revise(session: ChatSession, request: str, turn: Turn, progress: Progress) -> None:
    current = _plan(session)
    task = _task(session)
    model = session._model(session.config, task)
    progress("revising the plan")
    recorder = Recorder(folder(session))
    try:
        revised = planner.revise(current, request, task, model, recorder)
    finally:
        recorder.close()
    if revised.plan is None:
        turn.state = "failed"
        turn.answer = "the revised plan cannot be used: " + "; ".join(p.render() for p in revised.problems[:3])
        return
    _adopt(session, revised.plan, turn, progress, who="the model")


def _adopt(session: ChatSession, plan: Plan, turn: Turn, progress: Progress, *, who: str) -> None:
    problems = plan_check.check(plan)
    if problems:
        turn.state = "failed"
        turn.answer = f"{who}: the plan cannot be used: " + "; ".join(p.render() for p in problems[:3])
        return
    before = _plan(session)
    changed = [n for n in plan.names if n not in before.names or before.fingerprint(n) != plan.fingerprint(n)]
    (folder(session) / PLAN_FILE).write_text(plan.to_yaml(), encoding="utf-8")
    if _state(session).get("approved"):
        progress(f"rebuilding {', '.join(changed) or 'nothing'}")
        _build(session, turn, progress, changed=changed)
        return
    _run(session, progress, build=False)  # accel.json follows the new plan (no model call: it is written)
    turn.state = "done"
    turn.answer = (f"{show.plan_text(plan)}\n\nchanged: {', '.join(changed) or 'no module'}. "
                   "/approve builds it.")


def _plan(session: ChatSession) -> Plan:
    from aigchip.accel.plan import load as load_plan

    try:
        return load_plan(folder(session) / PLAN_FILE)
    except PlanError as exc:
        raise ValueError("; ".join(exc.problems[:3])) from None


def _state(session: ChatSession) -> dict[str, Any]:
    try:
        data = json.loads((folder(session) / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
