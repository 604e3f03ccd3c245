"""One module of a plan through the one loop: its tests, its demonstrations, its prompt, its folder.

Each module is a Task of its own (its spec at three grains, its header as the interface) run by
`loop.Agent` with demonstrations picked for that module's spec, checked together with the verified files of
the modules below it (compose.ComposedCheck). Its tests, by precedence: the task's own (the accelerator's
system test for the top; a unit test the task gives for a module of that name and ports), the plan's, or
tests the model writes for the module before the module is written. Its folder is a `generate --out`
folder (design files, checks/, session.jsonl, meta.json), so `aigchip regress` re-checks it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

from pydantic import BaseModel, Field

from aigchip import prompts
from aigchip.demos import pick_for as demos_for
from aigchip.accel.compose import ComposedCheck, own_file
from aigchip.accel.plan import Plan
from aigchip.config import RunConfig
from aigchip.models.local import record_line
from aigchip.extract import python_tests
from aigchip.loop import Agent, Outcome
from aigchip.models import Message, Model
from aigchip.record import CHECKS, META, Record, Recorder, check_options, copy_checks, run_meta
from aigchip.self_tests import test_file_name
from aigchip.sim import source
from aigchip.sim.check import verify_many
from aigchip.sim.types import Design, Verdict
from aigchip.task import Task

MODULES = "modules"
TestSource = Literal["task", "plan", "model", "agent", "none"]
Status = Literal["planned", "building", "verified", "failed", "blocked"]


class ModuleResult(BaseModel):
    """What the flow knows about one module: shown in the plan tree, kept in accel.json."""

    name: str
    status: Status = "planned"
    fingerprint: str = ""
    tests: TestSource | None = None  # where its tests came from
    iterations: int = 0
    attempts: list[str] = Field(default_factory=list)  # every candidate's status, in order
    tokens: int = 0
    reused: bool = False  # verified in an earlier run and kept: not paid for again
    repairs: int = 0  # times integration sent it back
    message: str = ""
    stopped: str = ""  # why its last loop ended (loop.Stop): model_error tells a failing endpoint from a design


@dataclass
class Tests:
    source: TestSource
    golden: Path | None = None  # a test file the task gives (decides, whatever feedback the loop had)
    code: str | None = None  # tests the agent starts from in `self` mode (the plan's, or written for it)
    helpers: dict[str, str] = field(default_factory=dict)  # files beside the tests (the plan's golden.py)


@dataclass
class Workshop:
    """What every module of one run shares. `files` holds each verified module's own file."""

    plan: Plan
    task: Task  # the accelerator's task: its own tests decide the top
    config: RunConfig
    model: Model
    out: Path
    demo_entries: Sequence = field(default_factory=list)
    demo_index: Any = None
    slots: threading.Semaphore = field(default_factory=lambda: threading.BoundedSemaphore(2))
    check: Callable[..., list[Verdict]] = verify_many
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # verified: name -> (file name, text)
    latest: dict[str, tuple[str, str]] = field(default_factory=dict)  # the last design of each, verified or not
    lock: threading.Lock = field(default_factory=threading.Lock)
    sample_index: int = 0

    def folder(self, name: str) -> Path:
        return self.out / MODULES / name

    def descendants(self, name: str) -> list[str]:
        found: list[str] = []
        stack = list(self.plan.module(name).children)
        while stack:
            child = stack.pop()
            if child not in found and child in self.plan.names:
                found.append(child)
                stack += self.plan.module(child).children
        return found

    def below(self, name: str) -> dict[str, str]:
        """The verified files of every module below `name`, file name to text."""
        with self.lock:
            return dict(self.files[d] for d in self.descendants(name) if d in self.files)


def module_task(ws: Workshop, name: str, tests: Tests) -> Task:
    module = ws.plan.module(name)
    spec = {g: text for g, text in module.spec.model_dump().items() if text}
    checks: dict[str, Any] = {}
    if name == ws.plan.top and tests.source == "task":
        checks = {"testbench": ws.task.testbench, "tests": ws.task.tests, "reference": ws.task.reference,
                  "tb_top": ws.task.tb_top}
    elif tests.golden is not None:
        checks = {"tests": tests.golden}
    return Task(id=f"{ws.plan.name}.{name}", top=name, spec=spec, interface=module.interface(), **checks)


def choose_tests(ws: Workshop, name: str) -> Tests:
    """Which tests decide this module (no model call: see `write_tests`)."""
    plan, task = ws.plan, ws.task
    if name == plan.top:
        if task.has_golden_tests:
            return Tests("task", golden=task.tests, code=plan.system_test,
                         helpers={"golden.py": plan.golden} if plan.golden else {})
        if plan.system_test:
            return Tests("plan", code=plan.system_test, helpers={"golden.py": plan.golden} if plan.golden else {})
        return Tests("agent")
    given = getattr(task, "unit_tests", {}).get(name)
    if given is not None and _same_ports(ws, name):
        return Tests("task", golden=given, code=plan.module(name).tests)
    if plan.module(name).tests:
        return Tests("plan", code=plan.module(name).tests)
    written = _written_tests(ws, name)
    return Tests("model", code=written) if written else Tests("model")


def written_tests_file(name: str) -> str:
    """The unit tests as the model wrote them for a plan entry (the loop keeps its working copy, which it may
    correct, as self_tests.test_file_name)."""
    return f"unit_test_{name}.py"


def _tests_mark(ws: Workshop, name: str) -> str:
    return f"# aigchip: unit tests of `{name}` for plan entry {ws.plan.fingerprint(name)}\n"


def _written_tests(ws: Workshop, name: str) -> str | None:
    """Tests the model wrote for this plan entry in an earlier run (they are never paid for twice)."""
    path = ws.folder(name) / CHECKS / written_tests_file(name)
    try:
        code = path.read_text(encoding="utf-8")
    except OSError:
        return None
    return code if code.startswith(_tests_mark(ws, name)) else None


def _same_ports(ws: Workshop, name: str) -> bool:
    """A task's unit test applies when the plan's module has the reference's ports exactly."""
    reference = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in getattr(ws.task, "solution", ()))
    theirs = source.module_ports(reference, name)
    return bool(theirs) and source.module_ports(ws.plan.module(name).interface(), name) == theirs


def write_tests(ws: Workshop, name: str) -> str | None:
    """Ask the model for the module's unit tests, sized to the module; None if it wrote no usable module."""
    module = ws.plan.module(name)
    ports = {p[0] for p in source.module_ports(module.interface(), name)}
    clock = ws.plan.clock if ws.plan.clock in ports else ""
    messages: list[Message] = [
        {"role": "system", "content": prompts.render("system")},
        {"role": "user", "content": prompts.render(
            "accel_unit_test", plan_name=ws.plan.name, summary=ws.plan.summary, decisions=ws.plan.decisions,
            module_name=name, spec=module.spec.model_dump(), interface=module.interface(),
            model=module.model or "", clock=clock)},
    ]
    recorder = Recorder(ws.folder(name))
    try:
        for _ in range(2):
            recorder.event("request", purpose="unit_tests", messages=messages)
            reply = ws.model.complete(messages, n=1, sample_index=ws.sample_index)[0]
            recorder.line({**record_line(messages, reply), "purpose": "unit_tests"})
            code, problem = python_tests(reply.text)
            if code is not None:
                code = _tests_mark(ws, name) + code
                (ws.folder(name) / CHECKS).mkdir(parents=True, exist_ok=True)
                (ws.folder(name) / CHECKS / written_tests_file(name)).write_text(code, encoding="utf-8")
                return code
            messages = [*messages, {"role": "assistant", "content": reply.text}, {"role": "user", "content": problem}]
        return None
    finally:
        recorder.close()


def module_feedback(config: RunConfig, tests: Tests) -> str:
    """`golden` needs tests the task gives; without them a module is checked by its own tests (`self`)."""
    if config.feedback == "golden" and tests.source != "task":
        return "self"
    return config.feedback


def opening(ws: Workshop, name: str, demos: list) -> list[Message]:
    module = ws.plan.module(name)
    children = [ws.plan.module(c) for c in module.children if c in ws.plan.names]
    return [
        {"role": "system", "content": prompts.render("system")},
        {"role": "user", "content": prompts.render(
            "accel_module", plan_name=ws.plan.name, summary=ws.plan.summary, decisions=ws.plan.decisions,
            demos=demos, module_name=name, spec=module.spec.model_dump(), interface=module.interface(),
            children=[{"name": c.name, "spec": c.spec.model_dump(), "header": c.header} for c in children],
            structure=module.structure)},
    ]


def build(ws: Workshop, name: str, tests: Tests, *, result: ModuleResult, follow_up: list[Message] | None = None,
          max_iters: int | None = None) -> ModuleResult:
    """Generate and check module `name` (children verified already); write its folder; `result` updated.

    `follow_up`: messages after the module's prompt (integration sends the last design and what the
    system test saw); `max_iters` overrides the config's rounds."""
    folder = ws.folder(name)
    folder.mkdir(parents=True, exist_ok=True)
    feedback = module_feedback(ws.config, tests)
    config = ws.config.model_copy(update={"feedback": feedback, "max_iters": max_iters or ws.config.max_iters})
    task = module_task(ws, name, tests)
    checks_dir = folder / CHECKS
    checks_dir.mkdir(exist_ok=True)
    for helper, text in tests.helpers.items():
        (checks_dir / helper).write_text(text, encoding="utf-8")
    demos = demos_for(task, config, ws.demo_entries, ws.demo_index) if ws.demo_entries else []
    composed = ComposedCheck(name, ws.plan.names, ws.below(name), ws.slots, ws.check)
    recorder = Recorder(folder)
    agent = Agent(ws.model, config, recorder=recorder, check=composed, work_dir=checks_dir,
                  sample_index=ws.sample_index)
    messages = [*opening(ws, name, demos), *(follow_up or [])]
    result.status = "building"
    try:
        agent.run(task, demos, opening=messages, self_tests=tests.code if feedback == "self" and tests.code else None)
    finally:
        outcome = agent.outcome
        _account(result, outcome, tests)
        write_folder(ws, name, task, config, outcome, composed, demos, tests, recorder)
        recorder.close()
    return result


def _account(result: ModuleResult, outcome: Outcome, tests: Tests) -> None:
    result.tests = tests.source
    result.iterations += outcome.iterations
    result.attempts += [str(a.status) for a in outcome.attempts]
    result.tokens += outcome.usage.total_tokens
    result.status = "verified" if str(outcome.status) == "pass" else "failed"
    result.message = outcome.message or (outcome.verdict.summary() if outcome.verdict else str(outcome.status))
    result.stopped = outcome.stopped


def write_folder(ws: Workshop, name: str, task: Task, config: RunConfig, outcome: Outcome, composed: ComposedCheck,
                 demos: list, tests: Tests, recorder: Recorder) -> None:
    """The module's design (its own file and the verified files below it), its checks and meta.json."""
    folder = ws.folder(name)
    own: tuple[str, str] | None = None
    if outcome.design is not None:
        own = own_file(outcome.design, name, ws.plan.names)[:2]
        for stale in folder.glob("*.v"):
            stale.unlink()
        for stale in folder.glob("*.sv"):
            stale.unlink()
        files = recorder.write_design(composed.compose(outcome.design))
        with ws.lock:
            ws.latest[name] = own
            if str(outcome.status) == "pass":
                ws.files[name] = own
    else:
        files = []
    if task.tests is not None and task.tests.parent == folder / CHECKS:  # the task's tests with replayed traffic
        checks: dict[str, Any] = {"testbench": [], "tests": f"{CHECKS}/{task.tests.name}", "reference": None,
                                  "tb_top": None}
    else:
        checks = copy_checks(task, folder)
    if outcome.self_tests is not None:
        checks["self_tests"] = f"{CHECKS}/{test_file_name(name)}"
    meta = run_meta(task, config, files=files, model=ws.model.name, demos=[d.id for d in demos],
                    status=str(outcome.status), checks=checks,
                    verdict=outcome.verdict.model_dump(mode="json") if outcome.verdict else None,
                    accel={"plan": ws.plan.name, "fingerprint": ws.plan.fingerprint(name),
                           "own_file": own[0] if own else None, "tests": tests.source,
                           "children": ws.plan.module(name).children})
    recorder.write_meta(meta)


def recorded(ws: Workshop, name: str) -> tuple[str, str] | None:
    """The module's own file from an earlier run, when that run verified it against the same plan entry."""
    folder = ws.folder(name)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    accel = meta.get("accel") or {}
    verdict = meta.get("verdict") or {}
    own = accel.get("own_file")
    if verdict.get("status") != "pass" or accel.get("fingerprint") != ws.plan.fingerprint(name) or not own:
        return None
    try:
        return own, (folder / own).read_text(encoding="utf-8")
    except OSError:
        return None



def recheck(ws: Workshop, name: str) -> bool:
    """A module's last design checked again, with its recorded tests, against the modules below it as they
    are now (no model call); its folder is updated, and it counts as verified, when it passes."""
    folder = ws.folder(name)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    record = Record(folder, name, meta, "pass")
    options = check_options(record, ws.config.simulator).model_copy(update={"use_cache": ws.config.cache})
    with ws.lock:
        own = ws.files.get(name) or ws.latest.get(name)
    if record.check_problems or own is None:
        return False
    design = Design(files={**ws.below(name), own[0]: own[1]}, top=name)
    with ws.slots:
        verdict = ws.check([(design, options)], jobs=1)[0]
    if not verdict.passed:
        return False
    with ws.lock:
        ws.files[name] = own
    for stale in [*folder.glob("*.v"), *folder.glob("*.sv")]:
        stale.unlink()
    recorder = Recorder(folder)
    try:
        recorder.event("recheck", verdict=verdict.model_dump(mode="json", exclude={"log"}))
        files = recorder.write_design(design)
        recorder.write_meta({**meta, "files": files, "verdict": verdict.model_dump(mode="json")})
    finally:
        recorder.close()
    return True
