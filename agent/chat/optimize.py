"""The chat's `/optimize area|fmax|latency`, and "make it smaller" (or faster) typed as a message.

It runs the same loop as `generate --optimize` (aigchip.optimize.optimize) on the current version, against
the session's tests: each candidate is checked, costed and kept only when it passes every test (and, for
area and Fmax, is not proven different) and is cheaper. The turn's answer lists every candidate's verdict
and cost; the best one becomes a new version, so /undo goes back to the design it replaced.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigchip.chat.progress import Progress, ProgressRecorder, Streamed
from aigchip.loop import Agent, Outcome
from aigchip.models.chat import listen_to_tokens
from aigchip.optimize import GOALS, Goal, latency_problem
from aigchip.sim.types import Design, Status

if TYPE_CHECKING:
    from aigchip.chat.session import ChatSession
    from aigchip.chat.store import Turn

# "make it smaller", "please make it a bit faster!", "can you make the design cheaper in area?"
_ASKED = re.compile(r"^(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?make\s+(?:it|this|the\s+design)\s+"
                    r"(?:a\s+bit\s+|a\s+little\s+|much\s+|even\s+)?(smaller|cheaper|faster|quicker)"
                    r"(?:\s+(?:in\s+|with\s+)?(area|fmax|clock|latency|(?:fewer\s+)?cycles))?"
                    r"(?:,?\s+please)?\s*[.!?]*$", re.I)


def goal_of(word: str) -> Goal:
    """A goal named by the command's argument; ValueError names the three."""
    word = word.strip().lower()
    if word not in GOALS:
        raise ValueError(f"/optimize takes one of {', '.join(GOALS)} (not {word[:20]!r})")
    return word


def asked_goal(text: str, measures_cycles: bool) -> Goal | None:
    """The goal a message like "make it smaller" asks for, or None when the message is something else.
    "faster" means fewer cycles per job when the tests measure them, else a higher Fmax."""
    found = _ASKED.match(" ".join(text.split()))
    if found is None:
        return None
    word, detail = found.group(1).lower(), (found.group(2) or "").lower()
    if word in ("smaller", "cheaper") or detail == "area":
        return "area"
    if "cycles" in detail or detail == "latency" or word == "quicker":
        return "latency"
    if detail in ("fmax", "clock"):
        return "fmax"
    return "latency" if measures_cycles else "fmax"


def refusal(session: ChatSession, goal: Goal) -> str | None:
    """Why the session cannot optimize now, or None."""
    if session.current() is None:
        return "there is no design to optimize yet: describe the block you want"
    if session.config.model == "offline":
        return "the offline baseline (no LLM) cannot propose designs: choose a model with /model NAME"
    task = session._task()
    if not task.has_golden_tests:
        return ("add tests first (/test add FILE or /test write): every cheaper design must pass them, "
                "and they are what is kept fixed")
    return latency_problem(task, "/optimize latency") if goal == "latency" else None


def run(session: ChatSession, turn: Turn, goal: Goal, progress: Progress) -> None:
    """The work of an optimize turn (ChatSession.optimize runs it as a guarded turn)."""
    from aigchip.optimize import optimize

    why = refusal(session, goal)
    version = session.current()
    if why is not None or version is None:
        turn.state, turn.answer = "failed", why or "there is no design to optimize yet"
        return
    task = session._task()
    config = session._run_config(task)
    model = session._model(config, task)
    listen_to_tokens(model, lambda piece: progress(Streamed(piece)))
    recorder = ProgressRecorder(session.folder, progress, model.name)
    start = Design(files=dict(version.files), top=version.top)
    progress(f"costing v{version.number}, then asking {model.name} for a design that is better on {goal}")
    with tempfile.TemporaryDirectory(prefix="aigchip-chat-optimize-") as scratch:
        try:
            agent = Agent(model, config, recorder=recorder, check=session._recording_check(Path(scratch)))
            outcome = Outcome(status=Status.PASS, stopped="pass", iterations=0, design=start)
            report = optimize(agent, task, outcome, goal=goal, rounds=config.optimize_rounds,
                              target=config.optimize_target)
        finally:
            recorder.close()
        lines = [_line(c) for c in report["candidates"]]
        kept = outcome.design is not None and outcome.verdict is not None and outcome.design.files != start.files
        if kept and outcome.design is not None and outcome.verdict is not None:  # while its run folder exists
            made = session._new_version(turn, outcome.design, outcome.verdict, None)
            turn.version = made.number
            head = f"version {made.number} ({goal}: {report['improvement']}): {session.verdict_label(made)}"
        else:
            head = f"no candidate was better on {goal}; the current design stays v{version.number}" \
                + (f" ({report['note']})" if report.get("note") and not report["candidates"][0]["kept"] else "")
    turn.state = "done"
    turn.answer = "\n".join([head, *lines])


def _line(candidate: dict[str, Any]) -> str:
    from aigchip.console import cost_line

    cost = {k: v for k, v in (candidate.get("cost") or {}).items() if k != "notes"}
    costed = f"[{cost_line(cost) if cost else 'not costed'}]"
    if candidate["round"] == 0:
        return f"- the design as it was: {candidate['status']} {costed}"
    mark = "kept" if candidate["kept"] else "not kept"
    return f"- round {candidate['round']}: {candidate['status']}, {mark}: {candidate['reason']} {costed}"
