"""Check and cost each point of an exploration, `jobs` at a time, on this machine or as Ray tasks.

Each point is one `sim.check.verify` of the design with the top's parameters set (`VerifyOptions.parameters`:
the simulators and yosys all take them), with synthesis (and an iCE40 mapping, and place and route with
`fmax`); its test leaves the cycles of a job in `cost.json`, which the verdict's cost carries. A point's
record is handed to `done` as soon as it finishes, in the calling thread, so the caller writes it at once:
an interrupted or killed run keeps every point that finished. The workers are daemon threads: Ctrl-C stops the
sweep at once (the tools each run in a sandbox that dies with aigchip).
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from aigchip.explore.space import Subject, key
from aigchip.sim import cache as verdict_cache
from aigchip.sim import params
from aigchip.sim.check import VerifyOptions, data_files, verify
from aigchip.sim.types import Verdict

COST_FIGURES = ("cells", "luts", "ffs", "fpga_ffs", "dsps", "brams", "carries", "fmax_mhz", "fmax_device")
ERROR = "error"  # the check itself failed (a Ray worker lost, an aigchip bug): not the design's verdict


@dataclass(frozen=True)
class Settings:
    jobs: int = 2
    simulator: str = "icarus"
    timeout: float = 120.0  # per tool run
    fmax: bool = False
    fpga: str = "ice40"  # or ecp5: the same cost keys (sim/synth.py)
    lint: bool = True
    cache: bool = True
    time_budget: float | None = None  # seconds of wall clock after which no new point starts
    ray: bool = False
    ray_address: str | None = None


def options_for(subject: Subject, settings: Settings, point: dict[str, int]) -> VerifyOptions:
    return VerifyOptions(testbench=subject.testbench, tests=subject.tests, reference=subject.reference,
                         tb_top=subject.tb_top, tests_by_model=subject.tests_by_model, simulator=settings.simulator,
                         timeout=settings.timeout, lint=settings.lint, use_cache=settings.cache, synth=True,
                         fpga=settings.fpga, fmax=settings.fmax, parameters=params.normalized(point.items()))


def fingerprint(subject: Subject, settings: Settings) -> str:
    """What a point's result depends on besides its parameters: the design, the checks' files and the settings
    that change a verdict or a cost. `--resume` re-runs a point recorded under another fingerprint."""
    options = options_for(subject, settings, {})
    inputs = {str(p.name): verdict_cache.file_digest(p) for p in
              [*subject.testbench, *(x for x in (subject.tests, subject.reference) if x is not None),
               *data_files(options)]}
    return verdict_cache.digest({"design": subject.design.model_dump(), "inputs": inputs, "top": subject.design.top,
                                 "simulator": settings.simulator, "fmax": settings.fmax, "timeout": settings.timeout,
                                 **({"fpga": settings.fpga} if settings.fpga != "ice40" else {}),
                                 "lint": settings.lint, "tests_by_model": subject.tests_by_model})[:16]


def record(point: dict[str, int], verdict: Verdict, digest: str) -> dict[str, Any]:
    """A point as the output shows it: its parameters, status, cost, cycles per job and what went wrong."""
    cost = verdict.cost or {}
    found: dict[str, Any] = {
        "label": key(point), "params": dict(point), "status": str(verdict.status.value),
        "summary": verdict.summary().splitlines()[0][:300] if verdict.status.value != "pass" else "pass",
        "cost": {k: cost[k] for k in COST_FIGURES if cost.get(k) is not None},
        "latency_cycles": cost.get("latency_cycles"),
        "tests": {"total": verdict.tests_total, "failed": verdict.tests_failed},
        "duration_s": round(verdict.duration_s or 0.0, 2), "cached": bool(verdict.cached), "fingerprint": digest,
    }
    notes = cost.get("notes")
    if notes:
        found["notes"] = list(notes)
    return found


def failed(point: dict[str, int], status: str, why: str, digest: str) -> dict[str, Any]:
    return {"label": key(point), "params": dict(point), "status": status, "summary": why, "cost": {},
            "latency_cycles": None, "tests": {}, "duration_s": 0.0, "cached": False, "fingerprint": digest}


def _checker(settings: Settings) -> Callable[[Any, VerifyOptions], Verdict]:
    if not settings.ray:
        return verify
    from aigchip.bench.ray_executor import make_ray_check

    many = make_ray_check(settings.ray_address, settings.jobs)  # RayUnavailable (a usage error) when not installed
    return lambda design, options: many([(design, options)])[0]


def run(subject: Subject, todo: list[dict[str, int]], settings: Settings, done: Callable[[dict[str, Any]], None],
        *, digest: str) -> list[dict[str, Any]]:
    """Check every point of `todo`; `done(record)` is called for each as it finishes (in this thread). Returns
    the points not started because the time budget ran out (as records with status `not_run`). A
    KeyboardInterrupt stops the sweep: the points in flight are abandoned, those finished were handed to `done`."""
    check = _checker(settings)
    waiting: queue.Queue[dict[str, int]] = queue.Queue()
    for point in todo:
        waiting.put(point)
    finished: queue.Queue[dict[str, Any]] = queue.Queue()
    stop = threading.Event()
    deadline = time.monotonic() + settings.time_budget if settings.time_budget is not None else None
    skipped: list[dict[str, Any]] = []
    fatal: list[Exception] = []
    lock = threading.Lock()

    def work() -> None:
        while not stop.is_set():
            try:
                point = waiting.get_nowait()
            except queue.Empty:
                return
            if deadline is not None and time.monotonic() >= deadline:
                with lock:
                    skipped.append(failed(point, "not_run", "the time budget ran out before it started", digest))
                finished.put({})
                continue
            try:
                verdict = check(subject.design, options_for(subject, settings, point))
                finished.put(record(point, verdict, digest))
            except Exception as exc:  # noqa: BLE001 - one point's failure never loses the others
                if type(exc).__name__ == "RayUnavailable":  # no cluster: no point can run
                    fatal.append(exc)
                    stop.set()
                finished.put(failed(point, ERROR, f"{type(exc).__name__}: {exc}"[:500], digest))

    workers = [threading.Thread(target=work, name=f"aigchip-explore-{i}", daemon=True)
               for i in range(max(1, min(settings.jobs, len(todo))))]
    for worker in workers:
        worker.start()
    remaining = len(todo)
    try:
        while remaining:
            if fatal:
                raise fatal[0]
            try:
                item = finished.get(timeout=0.2)
            except queue.Empty:
                continue
            remaining -= 1
            if item:
                done(item)
    finally:
        stop.set()
    return skipped


def settings_note(settings: Settings, where: Path | None = None) -> dict[str, Any]:
    """The settings as explore.json records them."""
    return {"jobs": settings.jobs, "simulator": settings.simulator, "timeout": settings.timeout,
            "fmax": settings.fmax, "fpga": settings.fpga, "lint": settings.lint, "cache": settings.cache,
            "time_budget_s": settings.time_budget, "executor": "ray" if settings.ray else "local",
            **({"out": str(where)} if where is not None else {})}
