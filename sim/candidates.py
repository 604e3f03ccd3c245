"""verify_many's shared simulation and lint: candidates checked against the same cocotb tests (Icarus, the
same options) meet at the simulation step of their checks, and one cocotb start (sim/cocotb_batch.py)
simulates all that got that far; any it does not decide is simulated alone, `jobs` at a time. They meet
at the lint beside the simulation too: one Verilator run (sim/lint_share.py) lints them all, and any it
does not decide is linted alone.

Each candidate still goes through its own whole check (policy, cache, cost, the verdict stored in the
cache under its own key): only the simulation and lint steps are shared. A candidate that stops earlier
(a cache hit, a policy violation, no code) just leaves the meetings.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from aigchip.sim.types import Design, Diagnostic, Verdict

if TYPE_CHECKING:
    from aigchip.sim.check import VerifyOptions

Simulate = Callable[[Path, Design, "VerifyOptions"], Verdict]
Lint = Callable[[Path, Design, "VerifyOptions"], list[Diagnostic]]
Arrived = list[tuple[Path, Design, "VerifyOptions"]]
Together = Callable[[Arrived], list[Any]]  # a result per arrived member, None where it goes alone
MAX_SHARED = 8  # candidates per shared simulation: each group's checks (and lints) run side by side


def shareable_options(options: VerifyOptions) -> bool:
    """Options whose checks may share a simulation: the task's own cocotb tests on Icarus, nothing kept."""
    return (options.tests is not None and not options.tests_by_model
            and not options.testbench and options.simulator == "icarus" and not options.waves and options.keep_dir is None
            and options.reference is None)


def groups(items: list[tuple[Design, VerifyOptions]]) -> list[list[int]]:
    """Indices of the items that may share a simulation, in groups of two to MAX_SHARED with equal options."""
    by_options: dict[VerifyOptions, list[int]] = {}
    for index, (_, options) in enumerate(items):
        if shareable_options(options):
            by_options.setdefault(options, []).append(index)
    chunks = [indices[start:start + MAX_SHARED] for indices in by_options.values()
              for start in range(0, len(indices), MAX_SHARED)]
    return [chunk for chunk in chunks if len(chunk) >= 2]


class Meeting:
    """Where `size` checks wait at one step (simulation or lint) until every one has arrived or left; then
    `together` does the step for all that arrived, and `alone` for any it did not decide."""

    def __init__(self, size: int, alone: Callable[..., Any], jobs: int, together: Together | None = None) -> None:
        self.size, self.alone, self.together = size, alone, together or _simulate_together
        self.gate = threading.Semaphore(max(1, jobs))  # steps alone, at most `jobs` at once
        self.lock = threading.Condition()
        self.arrived: dict[int, tuple[Path, Design, VerifyOptions]] = {}
        self.gone: set[int] = set()
        self.results: dict[int, Any] | None = None
        self.running = False

    def simulate_for(self, index: int) -> Callable[[Path, Design, VerifyOptions], Any]:
        def simulate(run_dir: Path, design: Design, options: VerifyOptions) -> Any:
            with self.lock:
                self.arrived[index] = (run_dir, design, options)
                runner = self._complete()
            if runner:
                self._run()
            with self.lock:
                self.lock.wait_for(lambda: self.results is not None)
                assert self.results is not None
                shared = self.results.get(index)
            if shared is not None:
                return shared
            with self.gate:
                return self.alone(run_dir, design, options)
        return simulate

    def leave(self, index: int) -> None:
        """The check of `index` is over (whether or not it reached the simulation)."""
        with self.lock:
            if index in self.arrived or index in self.gone:
                return
            self.gone.add(index)
            runner = self._complete()
        if runner:
            self._run()

    def _complete(self) -> bool:
        """Under the lock: whether everyone is here or gone, and this caller is the one to run the batch."""
        if self.running or len(self.arrived) + len(self.gone) < self.size:
            return False
        self.running = True
        return True

    def _run(self) -> None:
        indices = sorted(self.arrived)
        results: dict[int, Any] = {}
        try:
            if len(indices) >= 2:
                shared = self.together([self.arrived[i] for i in indices])
                results = dict(zip(indices, shared))
        except Exception:  # noqa: BLE001 - sharing is only an optimisation: each is then done alone
            results = {}
        finally:
            with self.lock:
                self.results = results
                self.lock.notify_all()


def _simulate_together(arrived: Arrived) -> list[Verdict | None]:
    from aigchip.sim import cocotb_batch

    first = arrived[0][2]
    assert first.tests is not None
    return cocotb_batch.run_batch([(run_dir, design) for run_dir, design, _ in arrived], first.tests,
                                  timeout=first.timeout, parameters=first.parameters)


def _lint_together(arrived: Arrived) -> list[list[Diagnostic] | None]:
    from aigchip.sim import lint, lint_share

    first = arrived[0][2]
    if first.parameters:  # -G would set them on every top
        return [None] * len(arrived)
    found = lint_share.lint_together([(run_dir, design) for run_dir, design, _ in arrived],
                                     lint.time_limit(first.timeout))
    return [None if diagnostics is None else lint.as_reported(diagnostics, first.simulator) for diagnostics in found]


def verify_group(items: list[tuple[Design, VerifyOptions]], check: Callable[..., Verdict], alone: Simulate,
                 lint_alone: Lint, jobs: int) -> list[Verdict]:
    """`check(design, options, simulate=..., lint_step=...)` for every item, their simulations and lints shared."""
    meeting = Meeting(len(items), alone, jobs)
    linting = Meeting(len(items), lint_alone, len(items), _lint_together)  # lints alone run side by side, as before

    def one(index: int) -> Verdict:
        try:
            return check(items[index][0], items[index][1], simulate=meeting.simulate_for(index),
                         lint_step=linting.simulate_for(index))
        finally:
            meeting.leave(index)
            linting.leave(index)

    with ThreadPoolExecutor(max_workers=len(items), thread_name_prefix="aigchip-candidate") as pool:
        return list(pool.map(one, range(len(items))))
