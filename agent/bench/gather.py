"""Where the checks of eval's samples meet: at most `jobs` check calls at once, and the checks that samples of
one task ask for with equal options that may share a simulation (sim/candidates.py) go to one check call
together, so sim.verify_many can give them one shared simulation (sim/batch_screen.py decides who shares).

Each sample runs in its own thread and asks for one check at a time. A check that may share waits, without
holding a slot, until a slot is free and its queue is ready: every sample of its task that is still running
is here (queued or being checked), or the queue holds MAX_SHARED checks, or it has waited `linger` seconds
(a slow or uneven endpoint does not hold checks back for long). Other checks go as soon as a slot is free,
one call each, as before. Any waiting thread runs whichever ready queue comes first, so no queue waits on
its owner. A call that raises for several checks is retried one check at a time, so one bad check costs
only its own sample. The verdicts are verify_many's, which equal the ones each check gets alone.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

from aigchip.sim.candidates import MAX_SHARED, shareable_options

Check = Callable[..., list]  # like sim.verify_many(pairs, jobs=)
LINGER_S = 0.3


@dataclass(eq=False)
class _Ticket:
    pair: tuple
    group: str
    key: Hashable
    arrived: float
    done: bool = False
    verdict: Any = None
    error: BaseException | None = None


@dataclass
class _State:
    queues: dict[Hashable, list[_Ticket]] = field(default_factory=dict)
    running: Counter = field(default_factory=Counter)  # samples (check calls) inside, per group
    in_flight: Counter = field(default_factory=Counter)  # samples started and not finished, per group


class Gathering:
    """`check_for(group)` is the check the samples of `group` (a task) use; `started`/`finished` say which
    samples are running. Without them every check goes at once, as with a plain semaphore."""

    def __init__(self, check: Check, jobs: int, *, linger: float = LINGER_S, most: int = MAX_SHARED) -> None:
        self.check, self.free, self.linger, self.most = check, max(1, jobs), linger, max(1, most)
        self.cond = threading.Condition()
        self.state = _State()
        self.unique = itertools.count()
        self.calls: list[int] = []  # how many checks went to each call (what the benchmark and tests look at)
        self.held = 0  # slots kept for checks made elsewhere (the pre-flight, while samples already run)

    def hold(self, slots: int) -> None:
        """Keep `slots` of the `jobs` for checks that do not come through here (0: none)."""
        with self.cond:
            self.held = max(0, slots)
            self.cond.notify_all()

    def started(self, group: str) -> None:
        with self.cond:
            self.state.in_flight[group] += 1

    def finished(self, group: str) -> None:
        with self.cond:
            self.state.in_flight[group] -= 1
            self.cond.notify_all()  # a queue that waited for this sample may be ready

    def check_for(self, group: str) -> Check:
        def check(pairs: list, jobs: int = 1) -> list:
            return self._checks(group, list(pairs))
        return check

    def _checks(self, group: str, pairs: list) -> list:
        now = time.monotonic()
        tickets = [_Ticket(pair, group, (group, pair[1]) if shareable_options(pair[1]) else next(self.unique), now)
                   for pair in pairs]
        with self.cond:
            self.state.running[group] += 1
            for ticket in tickets:
                self.state.queues.setdefault(ticket.key, []).append(ticket)
            self.cond.notify_all()
        try:
            self._serve(tickets)
        finally:
            with self.cond:
                self.state.running[group] -= 1
                self.cond.notify_all()
        for ticket in tickets:
            if ticket.error is not None:
                raise ticket.error
        return [ticket.verdict for ticket in tickets]

    def _serve(self, mine: list[_Ticket]) -> None:
        """Wait until `mine` are done, running any ready queue meanwhile when a slot is free."""
        while True:
            with self.cond:
                while True:
                    if all(t.done for t in mine):
                        return
                    batch, wait = self._take() if self.free > self.held else ([], None)
                    if batch:
                        self.free -= 1
                        break
                    self.cond.wait(wait)
            try:
                self._run(batch)
            finally:
                with self.cond:
                    self.free += 1
                    for ticket in batch:
                        ticket.done = True
                    self.cond.notify_all()

    def _take(self) -> tuple[list[_Ticket], float | None]:
        """Under the lock: the first ready queue's checks (up to `most`), or none and how long until one may be."""
        now, soonest = time.monotonic(), None
        for key, queue in sorted(self.state.queues.items(), key=lambda item: item[1][0].arrived):
            if not self._ready(key, queue, now):
                until = queue[0].arrived + self.linger - now
                soonest = until if soonest is None else min(soonest, until)
                continue
            batch, rest = queue[:self.most], queue[self.most:]
            if rest:
                self.state.queues[key] = rest
            else:
                del self.state.queues[key]
            return batch, None
        return [], soonest

    def _ready(self, key: Hashable, queue: list[_Ticket], now: float) -> bool:
        if not isinstance(key, tuple) or len(queue) >= self.most or now >= queue[0].arrived + self.linger:
            return True
        group = queue[0].group
        return self.state.in_flight[group] <= self.state.running[group]  # no sample of the task is elsewhere

    def _run(self, batch: list[_Ticket]) -> None:
        self.calls.append(len(batch))
        try:
            verdicts = self.check([t.pair for t in batch], jobs=1)
            if len(verdicts) != len(batch):
                raise RuntimeError(f"the check gave {len(verdicts)} verdicts for {len(batch)} designs")
            for ticket, verdict in zip(batch, verdicts):
                ticket.verdict = verdict
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the sample(s) that asked
            if len(batch) == 1 or not isinstance(exc, Exception):
                for ticket in batch:
                    ticket.error = exc
                return
        for ticket in batch:  # one bad check must not cost the others: each alone
            try:
                ticket.verdict = self.check([ticket.pair], jobs=1)[0]
            except Exception as exc:  # noqa: BLE001
                ticket.error = exc
