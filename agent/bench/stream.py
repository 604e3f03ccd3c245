"""Samples that start while the pre-flight goes on: a task's samples may leave for the endpoint as soon as its own
reference has passed, instead of after every task's reference was checked (issue 15: on a cold cache the first
request waited for the whole pre-flight).

What the pre-flight promises holds as before. Only a task whose reference passed under the chosen simulator
starts early: that finding is final (bench/preflight.py). A task whose reference fails (a fallback to the other
simulator, or a benchmark problem left out) is known only when the pre-flight ends, and a left-out task never gets
a sample, as before. The pre-flight's checks still go longest first and are not starved: while it runs, the
samples' checks (bench/gather.py) are kept off the slots its own checks still need, so both together never use
more than `jobs` at once. preflight.json, the first summary and the closing figures are the ones the pre-flight
gives in the end; results.jsonl is written as samples finish, after the run's identity was made durable.

Used for endpoint (and offline or replay) runs with the local executor and the built-in checks; a run whose
model cannot be made goes the old way, so its error comes where it always came.
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING, Any, Callable, Generator

from aigchip.bench import durations

if TYPE_CHECKING:
    from aigchip.task import Task

Item = tuple["Task", int]  # (task, sample index)


class Stopped(Exception):
    """Raised into the pre-flight's checks (through their verdict callback) once the run is interrupted: the
    checks not yet started are cancelled, as when Ctrl-C reached a pre-flight run in the main thread."""


def model_now(models: Callable[[list[Task]], Any], tasks: list[Task]) -> Any | None:
    """The samples' model factory if it can be had now (None: making it failed, which the run reports later,
    where it always did)."""
    try:
        return models(tasks)
    except Exception:  # noqa: BLE001 - the same call is made again after the pre-flight, and raises there
        return None


class Feed:
    """Runs the pre-flight in a thread; the samples of each task whose reference passed become ready as it is
    found, to be taken longest first. `found` is the pre-flight's full answer once `over`."""

    def __init__(self, preflight: Callable[..., dict[str, dict[str, Any]]], tasks: list[Task], *, samples: int,
                 done: set[tuple[str, int]], jobs: int) -> None:
        self._preflight, self.samples, self.done, self.jobs = preflight, samples, done, jobs
        self._hold: Callable[[int], None] = lambda slots: None
        self.findings: dict[str, dict[str, Any]] = {}  # what the samples read: each task's, before it starts
        self.by_id = {t.id: t for t in tasks}
        self.left = sum(bool(t.solution) and t.has_golden_tests for t in tasks)  # first checks not yet answered
        self.lock = threading.Lock()
        self.ready: list[Item] = []
        self.seconds: dict[str, float] = {}
        self.started: set[str] = set()  # tasks whose samples were made ready early
        self.found: dict[str, dict[str, Any]] | None = None
        self.error: BaseException | None = None
        self.over = self.stopped = False
        self.news: queue.SimpleQueue[None] = queue.SimpleQueue()  # a wake-up for the pool's loop
        self.thread = threading.Thread(target=self._run, name="aigchip-preflight", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def attach(self, hold: Callable[[int], None]) -> None:
        """`hold(slots)` keeps that many check slots off the samples' checks: those the pre-flight still needs."""
        with self.lock:
            self._hold = hold
            hold(self._held())

    def _run(self) -> None:
        try:
            found = self._preflight(told=self._told)
        except BaseException as exc:  # noqa: BLE001 - handed to the run's own thread
            found, self.error = None, exc
        with self.lock:
            self.found, self.over = found, True
            if found is not None:
                self.findings.update(found)  # the tasks first found sound keep that finding; add the others' samples
                self._add([tid for tid, f in found.items() if f["state"] != "unsound" and tid not in self.started],
                          found)
            self._hold(0)
        self.news.put(None)

    def stop(self) -> None:
        """No more samples, and the pre-flight stops at its next verdict."""
        with self.lock:
            self.stopped = True
            self.ready = []
            self._hold(0)  # the samples in flight finish without waiting for the pre-flight's last checks

    def _told(self, task_id: str, finding: dict[str, Any] | None) -> None:
        with self.lock:
            if self.stopped:
                raise Stopped("the run was interrupted")
            self.left -= finding is None or finding["state"] != "unchecked"  # (an unchecked task had no check)
            if finding is not None:
                self.started.add(task_id)
                self._add([task_id], {task_id: finding})
            self._hold(self._held())  # (the lock is taken before the gathering's, never after)
        self.news.put(None)

    def _held(self) -> int:
        """Under the lock: the slots the pre-flight still needs. While its first checks run, one per check left
        (up to `jobs`); once they are all answered, every slot until it ends: its second round (a reference that
        hit a simulator's limit, tried under the other) may follow."""
        if self.over or self.stopped:
            return 0
        return min(self.jobs, self.left) if self.left > 0 else self.jobs

    def _add(self, task_ids: list[str], findings: dict[str, dict[str, Any]]) -> None:
        """Under the lock: the samples of these tasks still to run become ready."""
        for task_id in task_ids:
            self.findings[task_id] = findings[task_id]
            seconds = findings[task_id].get("seconds")
            if seconds is not None:
                self.seconds[task_id] = seconds
            self.ready += [(self.by_id[task_id], s) for s in range(self.samples) if (task_id, s) not in self.done]

    def take(self, most: int) -> list[Item]:
        """Up to `most` ready samples, the longest known task first."""
        with self.lock:
            if most <= 0 or not self.ready:
                return []
            ordered = durations.longest_first(self.ready, self.seconds, lambda item: item[0].id)
            taken, self.ready = ordered[:most], ordered[most:]
            return taken

    def finished(self) -> bool:
        """The pre-flight ended and every ready sample was taken."""
        with self.lock:
            return self.over and not self.ready

    def wait(self) -> dict[str, dict[str, Any]]:
        """The pre-flight's findings, once it ends (its error, if it raised)."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.found is not None
        return self.found


def in_pool(todo: list[tuple[Task, int]], run: Callable[[Task, int], dict[str, Any]],
             workers: int, submitted: Callable[[Task], None] = lambda task: None,
             ) -> Generator[list[dict[str, Any]], None, None]:
    """Run `run(task, sample)` for each item, at most `workers` at once (`submitted(task)` told as each is
    handed to the pool), yielding the records of the samples that finished since the last yield.

    Work is submitted as slots free up, so memory stays flat however many samples there are; when the
    consumer stops (an error, Ctrl-C), nothing new starts and the samples in flight are let finish."""
    pending = iter(todo)
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait  # (a warm run needs none)

    in_flight: set[Future] = set()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aigchip-eval")
    try:
        while True:
            for task, sample in pending:
                submitted(task)
                in_flight.add(pool.submit(run, task, sample))
                if len(in_flight) >= workers:
                    break
            if not in_flight:
                return
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            yield [future.result() for future in finished]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def fed_pool(feed: Feed, run: Callable[[Task, int], dict[str, Any]], workers: int,
             submitted: Callable[[Task], None] = lambda task: None) -> Generator[list[dict[str, Any]], None, None]:
    """Like in_pool, over the samples the feed makes ready as the pre-flight goes: at most `workers` at
    once, each batch of records yielded as soon as they finish (never held back by a wait for the pre-flight)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    in_flight: set[Future] = set()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aigchip-eval")
    try:
        while True:
            for task, sample in feed.take(workers - len(in_flight)):
                submitted(task)
                future = pool.submit(run, task, sample)
                future.add_done_callback(lambda _: feed.news.put(None))
                in_flight.add(future)
            if not in_flight and feed.finished():
                return
            feed.news.get()
            finished = {future for future in in_flight if future.done()}
            in_flight -= finished
            if finished:
                yield [future.result() for future in finished]
    except KeyboardInterrupt:
        feed.stop()  # before the samples in flight are let finish: the pre-flight's unstarted checks never start
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)



def run(tasks: list[Task], *, samples: int, jobs: int, concurrency: int, out_dir: Any, resume: bool,
        sampler_for: Callable[[dict[str, dict[str, Any]]], Any],
        names: tuple[str, str], preflight: Callable[..., dict[str, dict[str, Any]]],
        summary: Callable[[list[dict[str, Any]], dict[str, dict[str, Any]], bool], dict[str, Any]],
        run_all: Callable[..., None]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], Any, int]:
    """runner.run_eval from the pre-flight on, its samples fed as their tasks are found sound: (findings, the
    records of the sound tasks, the results file, how many came from an earlier run). `names`: the run's identity
    file and preflight.json. The runner's: `preflight(told=)`, `summary(records, findings, timed)` (a partial one,
    with the wall time so far when `timed`), `sampler_for(findings)` and `run_all(sampler, results, records,
    expected=, batches=)`."""
    from aigchip.bench import results as files

    identity, findings_file = names
    with files.ResultsFile(out_dir / files.RESULTS, resume=resume) as results:
        done = {files.sample_key(r) for r in results.finished}
        files.write_files(out_dir, {}, also_sync=[identity])  # durable before any result is written

        def checked(told: Any) -> dict[str, dict[str, Any]]:
            found = preflight(told=told)
            partial = summary(_of_sound(results.finished, found), found, False)
            files.write_files(out_dir, {findings_file: files.json_text(found), files.SUMMARY: files.json_text(partial)})
            return found

        feed = Feed(checked, tasks, samples=samples, done=done, jobs=jobs)
        feed.start()  # the samples' set-up (imports, the demo library) overlaps the pre-flight's first checks
        records = list(results.finished)

        def expected() -> int:  # the samples of the tasks not (yet) known to be left out
            found = feed.found
            return samples * (len(tasks) if found is None else sum(f["state"] != "unsound" for f in found.values()))

        try:
            sampler = sampler_for(feed.findings)  # each task's finding is there before its first sample starts
            feed.attach(sampler.gathering.hold)
            run_all(sampler, results, records, expected=expected,
                    batches=fed_pool(feed, sampler.run, 2 * concurrency, sampler.submitted))
            found = feed.wait()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                feed.stop()  # its running checks end; those not started never start
            else:
                feed.thread.join()  # the pre-flight's files are written, as when it ended before any sample
            if feed.found is not None:  # (with no findings, no summary: as when a run is stopped in its pre-flight)
                try:
                    files.write_json(out_dir / files.SUMMARY, summary(_of_sound(records, feed.found), feed.found, True))
                except OSError:
                    pass  # the disk may be the very problem; results.jsonl is what counts
            raise
    return found, _of_sound(records, found), results, len(_of_sound(results.finished, found))


def _of_sound(records: list[dict[str, Any]], found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if found.get(r["task"], {}).get("state") not in (None, "unsound")]
