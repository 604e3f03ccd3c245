"""Pre-flight: before any model call, every task's own reference is checked against its own tests.

A task whose reference passes under the chosen simulator is sound. One whose reference fails there but
passes under the other simulator (Icarus 11 answers "sorry: ... not yet supported" to some constructs
Verilator accepts; Verilator rejects others) is checked with that simulator for the whole run, and the
run says so. One whose reference fails under every simulator installed is a benchmark problem: no
design can be judged against it, so it is not run and is left out of pass@k (the summary gives pass@k
over the sound tasks and over all tasks). A task without a reference cannot be checked: it counts as
sound, unchecked. Checks run `jobs` at a time and go through the verdict cache, so a rerun or a resumed
run pays nothing for them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from aigchip.bench import durations, estimate
from aigchip.task import Task

SIMULATORS = ("icarus", "verilator")
SOUND, FALLBACK, UNSOUND, UNCHECKED = "sound", "fallback", "unsound", "unchecked"
# a reference that could not be built or run may be the simulator's limit; one that ran and disagreed is not
SIMULATOR_LIMITS = frozenset({"compile_error", "sim_error", "tool_error"})


def other_simulator(simulator: str) -> str:
    return SIMULATORS[1 - SIMULATORS.index(simulator)]


def installed(simulator: str) -> bool:
    from aigchip.sim import tools

    return tools.available("iverilog" if simulator == "icarus" else "verilator")


def reference_options(task: Task, config: Any, simulator: str) -> Any:
    """How a task's reference is checked: its own tests, no lint (the reference is not under review)."""
    from aigchip.task import verify_options

    return verify_options(task, config, simulator=simulator, lint=False, synth=False, fpga=None)


def default_check() -> Callable[..., list]:
    """sim.verify_many, imported when first needed."""
    from aigchip.sim.check import verify_many

    return verify_many


def check_references(tasks: Iterable[Task], config: Any, *, jobs: int, check: Callable[..., list] | None = None,
                     other_installed: Callable[[str], bool] = installed, benchmark: str = "",
                     told: Callable[[str, dict[str, Any] | None], None] | None = None) -> dict[str, dict[str, Any]]:
    """{task id: finding}. Each finding has `state` (sound, fallback, unsound, unchecked), `simulator` (the one
    to judge the task with), `status` and `message` (the reference's verdict under that simulator, or under
    the chosen one when none passes) and `tried` ({simulator: verdict summary} for each that failed).

    `told(task id, finding)` (given a `check` that takes `on_verdict`, like verify_many) hears each first
    check as it ends: with the task's final finding when its reference passed (nothing later changes it),
    and at once for a task with no reference to check (unchecked), else with None (a fallback or an unsound task is known only when the whole pre-flight ends)."""
    check = check or default_check()
    tasks = list(tasks)
    chosen = config.simulator
    found = {t.id: {"state": UNCHECKED, "simulator": chosen, "status": None, "message": "", "tried": {}}
             for t in tasks}
    known = durations.load(benchmark)
    references = [t for t in tasks if t.solution and t.has_golden_tests]
    checkable = durations.longest_first(references, known, lambda t: t.id, estimate.weights(references, known))
    pairs = [(t.solution_design(), reference_options(t, config, chosen)) for t in checkable]
    if told is not None:  # a task without a reference to check is known at once
        with_reference = {t.id for t in references}
        for task in tasks:
            if task.id not in with_reference:
                told(task.id, dict(found[task.id], tried={}))

    def first_told(index: int, verdict: Any) -> None:
        task = checkable[index]
        seconds = known.get(task.id) if verdict.cached else verdict.duration_s  # as known is updated below
        if told is not None:
            told(task.id, _judged(dict(found[task.id], tried={}), verdict, seconds) if verdict.passed else None)

    first = check(pairs, jobs=jobs, on_verdict=first_told) if told is not None else check(pairs, jobs=jobs)
    fresh = {t.id: v.duration_s for t, v in zip(checkable, first) if not v.cached}
    durations.remember(benchmark, fresh)
    known.update(fresh)
    failing = []
    for task, verdict in zip(checkable, first):
        finding = _judged(found[task.id], verdict, known.get(task.id))
        if not verdict.passed:
            finding["tried"][chosen] = verdict.summary()[:500]
            failing.append(task)
    other = other_simulator(chosen) if chosen in SIMULATORS else None  # under both, a reference must pass both
    retry = [t for t in failing if found[t.id]["status"] in SIMULATOR_LIMITS] if other and other_installed(other) else []
    retried = dict(zip([t.id for t in retry], check([(t.solution_design(), reference_options(t, config, other or chosen))
                                                     for t in retry], jobs=jobs) if retry else []))
    for task in failing:
        finding, verdict = found[task.id], retried.get(task.id)
        if verdict is not None and verdict.passed:
            finding.update(state=FALLBACK, simulator=other, status=str(verdict.status),
                           message=f"the reference fails under {chosen} ({finding['tried'][chosen]}) and passes "
                                   f"under {other}: this task is checked with {other}")
            continue
        if verdict is not None:
            finding["tried"][other] = verdict.summary()[:500]
        if other in finding["tried"]:
            elsewhere = f"; under {other}: {finding['tried'][other]}"
        elif finding["status"] in SIMULATOR_LIMITS:
            elsewhere = f"; {other} is not installed to try it"
        else:
            elsewhere = f" (it ran, so {other} was not tried)"
        finding.update(state=UNSOUND, message=f"the task's own reference fails its own tests under {chosen}: "
                                              f"{finding['tried'][chosen]}{elsewhere}")
    return found


def _judged(finding: dict[str, Any], verdict: Any, seconds: float | None) -> dict[str, Any]:
    """`finding` with the first check's verdict: sound when it passed."""
    finding.update(status=str(verdict.status), cached=verdict.cached)
    finding["seconds"] = seconds  # how long checking this task takes: the longest start first
    if verdict.passed:
        finding["state"] = SOUND
    return finding


def summary_of(found: dict[str, dict[str, Any]], enabled: bool = True) -> dict[str, Any]:
    """The summary's `preflight` object: counts, and each task that moved simulator."""
    states = [f["state"] for f in found.values()]
    return {"enabled": enabled, "checked": sum(s != UNCHECKED for s in states),
            "sound": sum(s in (SOUND, FALLBACK) for s in states), "unsound": states.count(UNSOUND),
            "unchecked": states.count(UNCHECKED),
            "fallbacks": [{"task": task, "simulator": f["simulator"], "reason": f["message"]}
                          for task, f in found.items() if f["state"] == FALLBACK]}


def reference_failures(found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract's `reference_failures`: tasks whose own reference fails everywhere it was tried."""
    return [{"task": task, "status": f["status"], "message": f["message"], "simulators": f["tried"]}
            for task, f in found.items() if f["state"] == UNSOUND]
