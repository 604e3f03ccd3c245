"""The loop: generate, extract, check, feed back, until the design passes or the budget ends.

Every prompt comes from templates/prompts; every attempt is recorded; the task's own tests (when it has
them) make the final call whatever feedback the loop had.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Callable, Literal

from pydantic import BaseModel, Field

from aigchip import interface, prompts
from aigchip.config import RunConfig
from aigchip.extract import extract, python_tests
from aigchip.feedback import feedback_context
from aigchip.feedback import waveform_table as feedback_waveform_table
from aigchip.models import Message, Model, ModelError, Reply, Usage
from aigchip.models.local import record_line
from aigchip.record import Recorder
from aigchip.self_tests import SelfTestWriter
from aigchip.task import Task, verify_options
from aigchip.sim.check import VerifyOptions, verify_many
from aigchip.sim.types import Design, Status, Verdict

# Why a sample ended where it did. `self_tests_passed_golden_failed` and `checks_passed_golden_failed`: the
# loop's own checks (self-written tests; compile and lint) passed, so it stopped, and the task's tests failed.
Stop = Literal["pass", "max_iters", "budget", "model_error", "interrupted", "self_tests_passed_golden_failed",
               "checks_passed_golden_failed"]
_RANK = [Status.PASS, Status.MISMATCH, Status.TIMEOUT, Status.SIM_ERROR, Status.COMPILE_ERROR,
         Status.POLICY_VIOLATION, Status.NO_CODE, Status.TOOL_ERROR]


class Attempt(BaseModel):
    iteration: int
    sample: int
    reply: str
    model: str
    llm: bool
    cached: bool
    usage: Usage
    design: Design | None
    verdict: Verdict
    duration_s: float

    @property
    def status(self) -> Status:
        return self.verdict.status


class Outcome(BaseModel):
    status: Status  # the final verdict's status (the task's own tests decide when it has them)
    stopped: Stop
    iterations: int
    attempts: list[Attempt] = Field(default_factory=list)
    design: Design | None = None
    verdict: Verdict | None = None
    usage: Usage = Field(default_factory=Usage)
    message: str = ""  # why it stopped, in words
    self_tests: str | None = None  # the cocotb tests the agent wrote, in `self` mode
    replies: int = 0  # model replies received (design, tests, reviews)
    cached_replies: int = 0  # of which came from the reply cache, not from the model


def rank(attempt: Attempt) -> tuple[int, int, int]:
    """Best first: pass; else the fewest mismatches; then the fewest lint warnings."""
    verdict = attempt.verdict
    return (_RANK.index(verdict.status), verdict.mismatches if verdict.mismatches is not None else 1 << 30,
            len(verdict.warnings))


class Agent:
    """Runs one task with one model under one config; `verify` is injectable for tests.

    `sample_index`: the number of this run's first sample (eval runs one Agent per sample), passed on to
    the model so that seeds and reply caches tell samples apart."""

    def __init__(self, model: Model, config: RunConfig, *, recorder: Recorder | None = None,
                 check: Callable[..., list[Verdict]] = verify_many, work_dir: Path | None = None,
                 sample_index: int = 0) -> None:
        self.model, self.config, self.check = model, config, check
        self.sample_index = sample_index
        self.recorder = recorder or Recorder(None)
        self.work_dir = work_dir
        self.usage = Usage()
        self.replies = self.cached_replies = 0
        self._last_design: Design | None = None
        self.self_tests = SelfTestWriter(model, self.recorder, work_dir, took=self.took, sample_index=sample_index) \
            if work_dir is not None else None

    def run(self, task: Task, demos: list, *, opening: list[Message] | None = None,
            self_tests: str | None = None) -> Outcome:
        """Run the loop; on Ctrl-C, `self.outcome` holds everything done so far and the interrupt propagates.

        `opening`: the first request's messages, when the caller builds them (a chat refinement carries
        the conversation and the current design); by default the generate prompt for the task's spec.
        `self_tests`: in `self` mode, the tests to start from when the caller has them (the accelerator
        flow writes each module's tests at that module's size); by default the agent writes its own."""
        outcome = self.outcome = Outcome(status=Status.NO_CODE, stopped="max_iters", iterations=0)
        try:
            self._run(task, demos, outcome, opening, self_tests)
        except KeyboardInterrupt:
            outcome.stopped, outcome.message = "interrupted", "interrupted by the user"
            self.recorder.event("interrupted")
            chosen = min(outcome.attempts, key=rank) if outcome.attempts else None
            outcome.design, outcome.verdict = (chosen.design, chosen.verdict) if chosen else (None, None)
            outcome.status = chosen.status if chosen else Status.NO_CODE
            raise
        finally:
            outcome.usage, outcome.replies, outcome.cached_replies = self.usage, self.replies, self.cached_replies
        return outcome

    def took(self, reply: Reply) -> None:
        self.usage = self.usage + reply.usage
        self.replies += 1
        self.cached_replies += bool(reply.cached)

    def _run(self, task: Task, demos: list, outcome: Outcome, opening: list[Message] | None,
             self_tests: str | None) -> None:
        config = self.config
        spec = task.spec_text()
        messages: list[Message] = list(opening) if opening else [
            {"role": "system", "content": prompts.render("system")},
            {"role": "user", "content": prompts.render("generate", spec=spec, top=task.top, interface=task.interface,
                                                       demos=demos)},
        ]
        options = self._loop_options(task)
        known = interface.of_task(task.interface, spec, task.top)
        if config.feedback == "self" and (self_tests is not None or known is not None or task.interface):
            outcome.self_tests = self._write_self_tests(task, spec, known, given=self_tests)
            if outcome.self_tests is None:
                outcome.stopped, outcome.message = "model_error", "the model wrote no usable cocotb test"
                return
            options = options.model_copy(update={"tests": self.self_test_path(task), "tests_by_model": True})
        iterations = self.iterations_allowed
        best: Attempt | None = None
        for iteration in range(1, iterations + 1):
            if self.over_budget():
                outcome.stopped, outcome.message = "budget", self._budget_message()
                break
            self.recorder.event("request", iteration=iteration, messages=messages)
            try:
                replies = self.model.complete(messages, n=config.samples, sample_index=self.sample_index)
            except ModelError as exc:
                outcome.stopped, outcome.message = "model_error", str(exc)
                self.recorder.event("model_error", iteration=iteration, kind=exc.kind, message=str(exc))
                break
            outcome.iterations = iteration
            if config.feedback == "self" and outcome.self_tests is None:  # no interface known: the design's header
                outcome.self_tests = self._write_self_tests(task, spec, _header_of(replies, task.top))
                if outcome.self_tests is None:
                    outcome.stopped, outcome.message = "model_error", "the model wrote no usable cocotb test"
                    break
                options = options.model_copy(update={"tests": self.self_test_path(task), "tests_by_model": True})
            attempts = self._check_replies(task, replies, options, iteration, messages)
            if config.feedback == "self" and iteration == 1 and min(attempts, key=rank).status is Status.PASS:
                attempts = self._after_review(task, attempts, options)
            outcome.attempts += attempts
            best = min(attempts, key=rank)
            if best.status is Status.PASS:
                outcome.stopped = "pass"
                break
            messages = [*messages, {"role": "assistant", "content": best.reply},
                        {"role": "user", "content": self._feedback(task, best, spec, options)}]
        chosen = min(outcome.attempts, key=rank) if outcome.attempts else None
        self._conclude(task, chosen, outcome)

    @property
    def iterations_allowed(self) -> int:
        return 1 if self.config.feedback == "none" else self.config.max_iters

    def _loop_options(self, task: Task) -> VerifyOptions:
        if self.config.feedback == "golden":
            return verify_options(task, self.config)
        return verify_options(task, self.config, testbench=(), tests=None, reference=None)  # lint, none, self

    def _check_replies(self, task: Task, replies: list[Reply], options: VerifyOptions, iteration: int,
                       messages: list[Message]) -> list[Attempt]:
        started = time.monotonic()
        extracted = [self._test_fix_or_design(task, reply, options) for reply in replies]
        to_check = [(e.design, options) for e in extracted if e.design is not None]
        checked = iter(self.check(to_check, jobs=self.config.jobs) if to_check else [])
        attempts = []
        for sample, (reply, found) in enumerate(zip(replies, extracted)):
            self.took(reply)
            if found.design is not None:
                verdict = next(checked)
                verdict = verdict.model_copy(update={"diagnostics": [*found.diagnostics, *verdict.diagnostics]})
            else:
                verdict = Verdict(status=found.status or Status.NO_CODE, diagnostics=found.diagnostics)
            attempt = Attempt(iteration=iteration, sample=self.sample_index + sample, reply=reply.text,
                              model=reply.model, llm=reply.llm,
                              cached=reply.cached, usage=reply.usage, design=found.design, verdict=verdict,
                              duration_s=round(time.monotonic() - started, 3))
            self.recorder.line({**record_line(messages, reply), "iteration": iteration,
                                "sample": self.sample_index + sample})
            self.recorder.event("verdict", iteration=iteration, sample=self.sample_index + sample,
                                verdict=verdict.model_dump(mode="json", exclude={"log"}))
            attempts.append(attempt)
        return attempts

    def _test_fix_or_design(self, task: Task, reply: Reply, options: VerifyOptions):
        """In `self` mode the model may answer that its test, not the design, was wrong: then the new
        test is kept and the last design is checked again under it."""
        found = extract(reply.text, task.top)
        if self.config.feedback != "self" or found.design is not None or self._last_design is None:
            if found.design is not None:
                self._last_design = found.design
            return found
        code, _ = python_tests(reply.text)
        if code is None or options.tests is None:
            return found
        options.tests.write_text(code, encoding="utf-8")
        self.recorder.event("self_test_revised", code=code)
        return found.model_copy(update={"design": self._last_design, "status": None, "diagnostics": []})

    def _after_review(self, task: Task, attempts: list[Attempt], options: VerifyOptions) -> list[Attempt]:
        """Self-tests that pass at once get one review; revised tests re-check the same designs."""
        if self.self_tests is None or self.over_budget() or self.self_tests.review(task.top) is None:
            return attempts
        designs = [(a.design, options) for a in attempts if a.design is not None]
        verdicts = iter(self.check(designs, jobs=self.config.jobs))
        rechecked = [a.model_copy(update={"verdict": next(verdicts)}) if a.design is not None else a for a in attempts]
        for attempt in rechecked:
            self.recorder.event("verdict", iteration=attempt.iteration, sample=attempt.sample, after="self_test_review",
                                verdict=attempt.verdict.model_dump(mode="json", exclude={"log"}))
        return rechecked

    def _feedback(self, task: Task, best: Attempt, spec: str, options: VerifyOptions) -> str:
        if self.config.feedback == "self" and best.status is Status.MISMATCH and options.tests is not None:
            failing = [{"message": d.message} for d in best.verdict.errors]
            tests = options.tests.read_text(encoding="utf-8") if options.tests.is_file() else ""
            return prompts.render("test_verdict", top=task.top, problems=failing, tests=tests,
                                  test_file=options.tests.name)
        waves = self._waveform_table(best, options) if best.status is Status.MISMATCH else ""
        return prompts.render("feedback", **feedback_context(best.verdict, best.design, task.top, waves=waves))

    def _waveform_table(self, best: Attempt, options: VerifyOptions) -> str:
        """Run the failing design once more with a VCD (Icarus only: cheap) to show the model its signals."""
        if best.design is None or self.config.simulator != "icarus" or not (options.testbench or options.tests):
            return ""
        with tempfile.TemporaryDirectory(prefix="aigchip-waves-") as keep:
            rerun = options.model_copy(update={"waves": True, "keep_dir": Path(keep), "use_cache": False, "lint": False})
            verdict = self.check([(best.design, rerun)], jobs=1)[0]
            return feedback_waveform_table(verdict, best.design)

    def _conclude(self, task: Task, chosen: Attempt | None, outcome: Outcome) -> None:
        if chosen is None:
            outcome.status = Status.TOOL_ERROR if outcome.stopped == "model_error" else Status.NO_CODE
            outcome.message = outcome.message or "no reply held a design"
            return
        outcome.design, outcome.verdict = chosen.design, chosen.verdict
        if self.config.feedback != "golden" and task.has_golden_tests and chosen.design is not None:
            golden = verify_options(task, self.config)
            outcome.verdict = self.check([(chosen.design, golden)], jobs=1)[0]  # the task's own tests decide
            self.recorder.event("final_verdict", verdict=outcome.verdict.model_dump(mode="json", exclude={"log"}))
        outcome.status = outcome.verdict.status
        if outcome.stopped == "pass" and outcome.status is not Status.PASS:
            outcome.stopped = "self_tests_passed_golden_failed" if self.config.feedback == "self" \
                else "checks_passed_golden_failed"
        outcome.message = stop_message(outcome, self.iterations_allowed, self.config.feedback)

    # -- budget -------------------------------------------------------------------------------------

    def over_budget(self) -> bool:
        config = self.config
        if config.budget_tokens is not None and self.usage.total_tokens >= config.budget_tokens:
            return True
        return config.budget_usd is not None and (self.usage.cost_usd or 0.0) >= config.budget_usd

    def _budget_message(self) -> str:
        spent = f"{self.usage.total_tokens} tokens"
        if self.usage.cost_usd is not None:
            spent += f", ${self.usage.cost_usd:.4f}"
        return f"the budget ran out ({spent} spent)"

    # -- self-written tests -------------------------------------------------------------------------

    def self_test_path(self, task: Task) -> Path:
        assert self.self_tests is not None
        return self.self_tests.path(task.top)

    def _write_self_tests(self, task: Task, spec: str, found: interface.Interface | None = None,
                          given: str | None = None) -> str | None:
        """Ask the model for cocotb tests from the spec and the module's interface (unless the caller `given`
        them); keep them if valid Python."""
        if self.self_tests is None:
            raise ValueError("self feedback needs a work folder for the agent's tests")
        if given is not None:
            self.self_tests.keep(task.top, given)
            return given
        if found is None:
            found = interface.of_task(task.interface, spec, task.top)
        return self.self_tests.write(spec, task.top, found, task.interface)


def _header_of(replies: list[Reply], top: str) -> interface.Interface | None:
    """The interface of the first design among the replies (for tests written after it)."""
    for reply in replies:
        design = extract(reply.text, top).design
        if design is not None:
            return interface.of_design(design.files, top)
    return None


def stop_message(outcome: Outcome, allowed: int, feedback: str) -> str:
    """Why the sample ended where it did, in words (the console line and results.jsonl `message`)."""
    ran = f"iteration {outcome.iterations} of {allowed}"
    final = outcome.verdict.summary() if outcome.verdict is not None else str(outcome.status)
    if outcome.stopped == "pass":
        return f"passed at {ran}"
    if outcome.stopped == "self_tests_passed_golden_failed":
        return f"stopped after {ran}: its self-written tests passed, then the task's own tests failed: {final}"
    if outcome.stopped == "checks_passed_golden_failed":
        what = "compiled" if feedback == "none" else "compiled and linted clean"
        return f"stopped after {ran}: the design {what} (feedback {feedback}), then the task's own tests failed: {final}"
    if outcome.stopped == "max_iters":
        return f"no design passed in {outcome.iterations} iteration(s), the most allowed; the best: {final}"
    if outcome.stopped == "budget":
        return f"{outcome.message} after {ran}; the best: {final}"
    if outcome.stopped == "model_error" and outcome.attempts:
        return f"{outcome.message} (after {ran}); the best design before that: {final}"
    return outcome.message  # interrupted, or a model error before any design: said where it happened

