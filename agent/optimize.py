"""`generate --optimize area|fmax|latency`: once a design passes, show the model its cost and ask for a cheaper one.

Each candidate is checked like any design (the task's tests, or the loop's own) with synthesis on, and
against the current best design for equivalence: it is kept only when it passes every test, is not proven
different, and costs less. Every passing design is a point of the Pareto set (area against Fmax and
cycles per job, where measured); the record says how much the best improved on the first.

Latency is the cycles per job the task's tests measured and left in `cost.json` (`latency_cycles`). A
design that takes fewer cycles cannot be cycle-equivalent to the one it replaces, so no equivalence proof
is asked for there: a latency candidate is kept when it passes every one of the task's tests and the tests
measured fewer cycles. The tests must measure it: without tests that write `cost.json` the goal is refused
before any model call (`latency_problem`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from aigchip import prompts
from aigchip.explore import front
from aigchip.extract import extract
from aigchip.models import ModelError
from aigchip.models.protocol import Message
from aigchip.sim.types import Design, Status, Verdict
from aigchip.task import Task, verify_options

if TYPE_CHECKING:
    from aigchip.loop import Agent, Outcome

Goal = Literal["area", "fmax", "latency"]
GOALS: tuple[Goal, ...] = ("area", "fmax", "latency")
_WORDS = {"area": "smaller (fewer cells, flip-flops and LUTs)", "fmax": "faster (a shorter critical path, a higher Fmax)",
          "latency": "take fewer clock cycles per job"}
_BETTER = {"area": "cheaper", "fmax": "faster", "latency": "quicker in cycles"}
LATENCY_FILE = "cost.json"  # where tests leave the cycles they measured (sim/cost_proof.py)


class Candidate(BaseModel):
    round: int  # 0: the first passing design
    status: str
    kept: bool
    reason: str
    cost: dict[str, Any] | None = None
    equivalence: str | None = None


def measure(cost: dict[str, Any] | None, goal: Goal) -> float | None:
    """The figure the goal lowers: LUTs (else cells) for area, minus the Fmax for fmax, the tests' cycles per
    job for latency."""
    if not cost:
        return None
    if goal == "latency":
        value = cost.get("latency_cycles")
        return float(value) if isinstance(value, (int, float)) else None
    if goal == "fmax":
        return -float(cost["fmax_mhz"]) if cost.get("fmax_mhz") else None
    key = "luts" if cost.get("luts") is not None else "cells"
    return float(cost[key]) if cost.get(key) is not None else None


def metric_name(cost: dict[str, Any] | None, goal: Goal) -> str:
    if goal in ("fmax", "latency"):
        return {"fmax": "fmax_mhz", "latency": "latency_cycles"}[goal]
    return "luts" if cost and cost.get("luts") is not None else "cells"


def latency_problem(task: Task, asked: str = "--optimize latency") -> str | None:
    """Why `--optimize latency` cannot work on `task`, or None: its own tests must measure the cycles
    (write `cost.json`); the loop's self-tests and a testbench that never writes it measure nothing."""
    files = [*task.testbench, *([task.tests] if task.tests is not None else [])]
    if not files:
        return (f"{asked} needs the task's own tests (--tb or --tests) that measure cycles per job and "
                f"write them to {LATENCY_FILE} (`latency_cycles`); this task has none")
    for path in files:
        folder = path.parent if path == task.tests else None
        texts = [path] + (sorted(folder.glob("*.py")) if folder is not None else [])
        if any(LATENCY_FILE in _read(p) for p in texts):
            return None
    return (f"{asked} needs tests that measure cycles per job: {', '.join(str(p) for p in files)} never "
            f"write {LATENCY_FILE} (a JSON object with `latency_cycles`, written into the run folder)")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def pareto(points: list[Candidate]) -> list[Candidate]:
    """Passing designs no other passing design beats on area, Fmax and cycles per job at once (a figure not
    measured counts the same for all)."""
    def axes(index: int, cost: dict[str, Any]) -> tuple[int, float, float, float]:
        return (index, float(cost.get("luts", cost.get("cells", 0))), -float(cost.get("fmax_mhz") or 0),
                float(cost.get("latency_cycles") or 0))

    passing = [c for c in points if c.status == "pass" and c.cost]
    return [passing[i] for i in front.pareto([axes(i, c.cost or {}) for i, c in enumerate(passing)])]


def optimize(agent: Agent, task: Task, outcome: Outcome, *, goal: Goal, rounds: int,
             target: float | None = None) -> dict[str, Any]:
    """Improve `outcome`'s passing design in place (its design and verdict become the best one's); the
    record's `optimize` object."""
    config = agent.config
    base = verify_options(task, config)
    if not (base.testbench or base.tests) and outcome.self_tests is not None and agent.work_dir is not None:
        base = base.model_copy(update={"tests": agent.self_test_path(task)})
    options = base.model_copy(update={"synth": True, "fpga": (config.fpga or "ice40") if goal == "fmax" else config.fpga,
                                      "fmax": goal == "fmax"})
    if outcome.design is None:
        raise ValueError("optimize improves a passing design, and this outcome has none")
    if goal == "latency" and (problem := latency_problem(task)):
        raise ValueError(problem)
    best_design, best = outcome.design, agent.check([(outcome.design, options)], jobs=1)[0]
    candidates = [Candidate(round=0, status=str(best.status), kept=best.passed, cost=best.cost,
                            reason="the first passing design")]
    first_cost = best.cost
    rejected: list[str] = []
    if not best.passed or measure(best.cost, goal) is None:
        why = ("; ".join((best.cost or {}).get("notes", [])) or best.summary()) if goal != "latency" or not best.passed \
            else f"its tests passed but left no {LATENCY_FILE} with `latency_cycles` in the run folder"
        return _record(goal, candidates, first_cost, best.cost, "the first design could not be costed: " + why)
    with tempfile.TemporaryDirectory(prefix="aigchip-optimize-") as scratch:
        for number in range(1, rounds + 1):
            if agent.over_budget() or _reached(best.cost, goal, target):
                break
            try:
                reply = agent.model.complete(_messages(task, best_design, best, goal, rejected), n=1,
                                             sample_index=agent.sample_index)[0]
            except ModelError as exc:
                candidates.append(Candidate(round=number, status="model_error", kept=False, reason=str(exc)))
                break
            agent.took(reply)
            agent.recorder.event("optimize_reply", round=number, reply=reply.text)
            design = extract(reply.text, task.top).design
            if design is None:
                candidates.append(Candidate(round=number, status=str(Status.NO_CODE), kept=False, reason="no code"))
                rejected.append("a reply with no code")
                continue
            # fewer cycles cannot be cycle-equivalent: a latency candidate is judged by the tests alone
            proof = {} if goal == "latency" else {"equiv": _write(Path(scratch) / f"round{number}", best_design)}
            verdict = agent.check([(design, options.model_copy(update=proof))], jobs=1)[0]
            candidate = _judge(number, verdict, best, goal)
            agent.recorder.event("optimize_verdict", round=number, kept=candidate.kept, reason=candidate.reason,
                                 cost=verdict.cost)
            candidates.append(candidate)
            if candidate.kept:
                best_design, best = design, verdict
            else:
                rejected.append(f"round {number}: {candidate.reason}")
    outcome.design, outcome.verdict = best_design, best
    return _record(goal, candidates, first_cost, best.cost,
                   "no equivalence proof: fewer cycles cannot be cycle-equivalent; every test must pass"
                   if goal == "latency" else "")


def _judge(number: int, verdict: Verdict, best: Verdict, goal: Goal) -> Candidate:
    proof = (verdict.equivalence or {}).get("result")
    found = dict(round=number, status=str(verdict.status), cost=verdict.cost, equivalence=proof)
    if proof == "not_equivalent":
        return Candidate(**found, kept=False, reason="behaves differently from the current design: "
                         + (verdict.equivalence or {}).get("reason", ""))
    if not verdict.passed:
        return Candidate(**found, kept=False, reason=f"rejected, it {verdict.label()}"[:400])
    now, was = measure(verdict.cost, goal), measure(best.cost, goal)
    if now is None or was is None or now >= was:
        name = metric_name(verdict.cost, goal)
        return Candidate(**found, kept=False, reason=f"passes but is not {_BETTER[goal]} ({name} "
                         f"{(verdict.cost or {}).get(name)} against {(best.cost or {}).get(name)})")
    return Candidate(**found, kept=True, reason=f"passes and is {_BETTER[goal]} "
                     f"({metric_name(verdict.cost, goal)} "
                     f"{(best.cost or {}).get(metric_name(verdict.cost, goal))} -> "
                     f"{(verdict.cost or {}).get(metric_name(verdict.cost, goal))})")


def _reached(cost: dict[str, Any] | None, goal: Goal, target: float | None) -> bool:
    value = measure(cost, goal)
    return target is not None and value is not None and (-value >= target if goal == "fmax" else value <= target)


def _write(folder: Path, design: Design) -> tuple[Path, ...]:
    folder.mkdir(parents=True)
    paths = []
    for name, text in design.files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return tuple(paths)


def _messages(task: Task, design: Design, verdict: Verdict, goal: Goal, rejected: list[str]) -> list[Message]:
    from aigchip.console import cost_line

    cost = verdict.cost or {}
    largest = sorted((cost.get("cell_types") or {}).items(), key=lambda kv: -kv[1])
    code = "\n".join(text.rstrip("\n") + "\n" for text in design.files.values())
    tool = "yosys synthesis" + (f" and nextpnr-{cost.get('fpga') or 'ice40'} place and route" if goal == "fmax" else "") \
        + (", cycles measured by the tests" if goal == "latency" else "")
    return [{"role": "system", "content": prompts.render("system")},
            {"role": "user", "content": prompts.render(
                "optimize", top=task.top, goal=goal, goal_words=_WORDS[goal], tool=tool, cost_text=cost_line(cost),
                cycles=cost.get("latency_cycles"), job=cost.get("latency_job") or "",
                largest=largest, rejected=rejected[-4:], code=code, spec=task.spec_text())}]


def _record(goal: Goal, candidates: list[Candidate], first: dict | None, best: dict | None,
            note: str = "") -> dict[str, Any]:
    name = metric_name(first, goal)
    was, now = (first or {}).get(name), (best or {}).get(name)
    change = round((now - was) / was, 4) if isinstance(was, (int, float)) and isinstance(now, (int, float)) and was else None
    return {"goal": goal, "metric": name, "first": was, "best": now, "change": change, "note": note,
            "improvement": f"{name} {was} -> {now}" + (f" ({change:+.0%})" if change is not None else ""),
            "candidates": [c.model_dump() for c in candidates],
            "pareto": [c.model_dump() for c in pareto(candidates)]}
