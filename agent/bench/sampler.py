"""One sample of an eval run: the agent loop for (task, sample) with the run's shared state (the model-call
semaphore, the demo library, where the task's checks meet), or in reference mode the task's own solution."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

from aigchip.bench import flows
from aigchip.bench import preflight as checks
from aigchip.bench import results as files
from aigchip.config import RunConfig
from aigchip.models import Model, ModelError
from aigchip.models.throttled import Throttled
from aigchip.task import Task

ModelFactory = Callable[[Task, int], Model]  # (task, sample index) to the model that answers that sample
Check = Callable[..., list]  # like sim.verify_many(pairs, jobs=)
TRANSCRIPTS = "transcripts"


class Sampler:
    """Runs one (task, sample): the agent loop, or in reference mode the task's own solution."""

    def __init__(self, config: RunConfig, out_dir: Path, *, jobs: int, concurrency: int,
                 model_factory: ModelFactory, check: Check | None, preflight: dict[str, dict[str, Any]],
                 flow: str = "oneshot", resume: bool = False, share: bool = True) -> None:
        self.config = config.model_copy(update={"samples": 1})  # one generate call per sample
        self.preflight = preflight
        self.out_dir = out_dir
        self._gather_args = (check, jobs, share, flow)
        self._gathering: Any = None
        self._lock = threading.Lock()
        self.model_for = model_factory
        self.concurrency = concurrency
        self.calls = threading.BoundedSemaphore(concurrency)
        self.flow, self.resume = flow, resume
        if config.model != "reference":  # the demonstrations, taken by the first sample for the whole run
            from aigchip.generate import corpus_once

            self.corpus = corpus_once(self.config)

    @property
    def gathering(self) -> Any:
        """Where a task's checks meet in one call (not on Ray: each check there is its own Ray task; only oneshot
        samples wait for each other), made when a first sample goes to the pool: a warm reference run has none."""
        with self._lock:
            if self._gathering is None:
                from aigchip.bench import gather

                check, jobs, share, flow = self._gather_args
                self._gathering = gather.Gathering(check or checks.default_check(), jobs,
                                                   most=gather.MAX_SHARED if share else 1,
                                                   linger=gather.LINGER_S if share and flow == "oneshot" else 0.0)
            return self._gathering

    def submitted(self, task: Task) -> None:
        """The sample is handed to the pool: its task's checks may wait for it (bench/gather.py)."""
        self.gathering.started(task.id)

    def ready(self, task: Task) -> bool:
        """Whether the sample's record is known without a model or a check: a reference the pre-flight judged,
        with no unit test of its own to run (or one that already failed)."""
        return self.config.model == "reference" and (not task.unit_tests or self.preflight[task.id]["status"] != "pass")

    def run(self, task: Task, sample: int) -> dict[str, Any]:
        """A sample handed to the pool (submitted): its record, and its task's checks told it is done."""
        try:
            return self.record(task, sample)
        finally:
            self.gathering.finished(task.id)

    def record(self, task: Task, sample: int) -> dict[str, Any]:
        started = time.monotonic()
        try:
            if self.config.model == "reference":
                return self._reference(task, started)
            return self._generate(task, sample, started)
        except ModelError as exc:
            return files.unattempted_record(task.id, sample, "model_error", str(exc), started)
        except Exception as exc:  # noqa: BLE001 - a bug or a broken file must cost this sample, not the run
            return files.unattempted_record(task.id, sample, "crash", f"{type(exc).__name__}: {exc}", started)

    def _generate(self, task: Task, sample: int, started: float) -> dict[str, Any]:
        from aigchip.generate import generate

        folder = self.out_dir / TRANSCRIPTS / safe_name(task.id) / f"s{sample}"
        model = Throttled(self.model_for(task, sample), self.calls)
        simulator = self.preflight[task.id]["simulator"]
        if self.flow == "accel":  # with --resume, an unfinished sample keeps the modules it verified
            if not self.resume:
                shutil.rmtree(folder, ignore_errors=True)  # never another run's plan or modules
            config = self.config.model_copy(update={"simulator": simulator})
            return flows.accel_sample(task, sample, config, folder=folder, model=model,
                                      check=self.gathering.check_for(task.id),
                                      concurrency=self.concurrency) | {
                "simulator": simulator, "transcript": folder.relative_to(self.out_dir).as_posix()}
        shutil.rmtree(folder, ignore_errors=True)  # a resumed sample starts its transcript afresh
        outcome, _, summary = generate(task, self.config.model_copy(update={"simulator": simulator}), out_dir=folder,
                                       model=model, sample_index=sample, check=self.gathering.check_for(task.id),
                                       corpus=self.corpus())
        return files.sample_record(task.id, sample, outcome, summary, time.monotonic() - started) | {
            "simulator": simulator, "transcript": folder.relative_to(self.out_dir).as_posix()}

    def _reference(self, task: Task, started: float) -> dict[str, Any]:
        """The pre-flight's verdict on the task's own solution (only sound tasks get here), then each of the
        task's unit tests against its submodule of the solution."""
        from aigchip.bench.preflight import reference_options

        finding = self.preflight[task.id]
        status, message = str(finding["status"]), finding["message"]
        options = reference_options(task, self.config, finding["simulator"])
        for module, tests in task.unit_tests.items() if status == "pass" else ():
            unit = options.model_copy(update={"testbench": (), "reference": None, "tb_top": None, "tests": tests})
            verdict = self.gathering.check_for(task.id)([(task.solution_design(top=module), unit)], jobs=1)[0]
            if not verdict.passed:
                status, message = str(verdict.status), f"unit test of {module}: {verdict.summary()}"[:500]
                break
        return {"task": task.id, "sample": 0, "status": status, "iterations": 1, "tokens": files.no_tokens(),
                "stopped": "reference", "duration_s": round(time.monotonic() - started, 3), "statuses": [status],
                "passed_at": 1 if status == "pass" else None, "model": "reference", "replies": 0,
                "cached_replies": 0, "simulator": finding["simulator"], "message": message}


def safe_name(task_id: str) -> str:
    """A task id as one folder name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", task_id).strip("._") or "task"
    return name[:120]
