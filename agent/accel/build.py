"""Build a plan bottom-up: every module whose children are verified starts at once, and each module's unit
tests are written as soon as the plan is approved (they need only the plan), so the model is kept busy
along the critical path. A module that fails blocks its ancestors and nothing else.

A module verified by an earlier run against the same plan entry is kept, not paid for again; if a module
below it was rebuilt, it is re-checked with its recorded tests (no model call) and rebuilt only if that fails.
Work runs in daemon threads, so Ctrl-C or a kill leaves at most the modules in progress to redo.
"""

from __future__ import annotations

import queue
import threading
import traceback
from typing import Any, Callable

from aigchip.accel import modules
from aigchip.accel.modules import ModuleResult, Tests, Workshop
from aigchip.models import ModelError

Progress = Callable[[str, str, str], None]  # module, status, detail


def _quiet(name: str, status: str, detail: str) -> None:
    pass


def keep_verified(ws: Workshop, results: dict[str, ModuleResult]) -> list[str]:
    """Take every module an earlier run verified against the same plan entry; returns their names."""
    kept = []
    for name in ws.plan.order():
        found = modules.recorded(ws, name)
        if found is not None:
            ws.files[name] = ws.latest[name] = found
            results[name].status, results[name].reused = "verified", True
            results[name].fingerprint = ws.plan.fingerprint(name)
            kept.append(name)
    return kept


def build_tree(ws: Workshop, results: dict[str, ModuleResult], *, progress: Progress = _quiet,
               top_iters: int | None = None) -> None:
    """Build every module of `ws.plan` not verified yet; `results` is updated as modules finish."""
    plan = ws.plan
    events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
    rebuilt: set[str] = set()
    tests: dict[str, Tests] = {}
    waiting_tests: set[str] = set()
    running: set[str] = set()
    order = plan.order()
    for name in order:
        results[name].fingerprint = plan.fingerprint(name)
        if results[name].status == "verified":
            continue  # kept; re-checked if a module below it is rebuilt
        chosen = modules.choose_tests(ws, name)
        if chosen.source == "model" and chosen.code is None:
            waiting_tests.add(name)
            _spawn(events, "tests", name, modules.write_tests, ws, name)
        tests[name] = chosen
    while True:
        for name in order:
            if name in running or results[name].status not in ("planned", "verified"):
                continue
            children = [c for c in plan.module(name).children if c in plan.names]
            if any(results[c].status in ("failed", "blocked") for c in children):
                _block(plan, results, name, progress)
            elif name in waiting_tests or any(results[c].status != "verified" or c in running for c in children):
                continue
            elif results[name].status == "verified":
                if any(c in rebuilt for c in children) and name not in rebuilt:
                    running.add(name)
                    _spawn(events, "recheck", name, modules.recheck, ws, name)
            else:
                running.add(name)
                progress(name, "building", f"tests: {tests[name].source}")
                iters = top_iters if name == plan.top else None
                _spawn(events, "built", name, modules.build, ws, name, tests[name], result=results[name],
                       max_iters=iters)
        if not running and not (waiting_tests - _blocked(results)):
            return
        kind, name, value = events.get()
        if kind == "tests":
            waiting_tests.discard(name)
            tests[name] = Tests("model", code=value) if isinstance(value, str) else Tests("agent")
            if isinstance(value, BaseException):
                progress(name, "tests", f"the model wrote no unit tests ({_said(value)}); the loop writes its own")
            continue
        running.discard(name)
        if kind == "recheck":
            if value is True:
                rebuilt.add(name)
                progress(name, "verified", "re-checked with the modules below it rebuilt")
            else:
                results[name].status, results[name].reused = "planned", False
                chosen = modules.choose_tests(ws, name)
                tests[name] = Tests("agent") if chosen.source == "model" and chosen.code is None else chosen
            continue
        if isinstance(value, BaseException):
            results[name].status, results[name].message = "failed", _said(value)
        rebuilt.add(name)
        progress(name, results[name].status, results[name].message if results[name].status != "verified" else
                 f"{results[name].iterations} iteration(s)")


def _blocked(results: dict[str, ModuleResult]) -> set[str]:
    return {n for n, r in results.items() if r.status == "blocked"}


def _block(plan: Any, results: dict[str, ModuleResult], name: str, progress: Progress) -> None:
    failed = [c for c in plan.module(name).children if results.get(c) and results[c].status in ("failed", "blocked")]
    results[name].status = "blocked"
    results[name].message = f"waits for {', '.join(failed)}, which did not pass"
    progress(name, "blocked", results[name].message)


def _said(exc: BaseException) -> str:
    if isinstance(exc, ModelError):
        return f"model error: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _spawn(events: queue.Queue, kind: str, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    def work() -> None:
        try:
            value: Any = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - reported to the scheduler: one module's failure is not the run's
            if not isinstance(exc, (ModelError, ValueError, OSError)):
                exc.add_note(traceback.format_exc(limit=6))
            value = exc
        events.put((kind, name, value))

    threading.Thread(target=work, name=f"accel-{kind}-{name}", daemon=True).start()
