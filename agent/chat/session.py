"""A chat session's operations: describe a block, refine it, add or write tests, check, undo, switch
model, save. The terminal (`aigchip chat`) and the web page (`aigchip serve`) both drive this class.

Every turn runs the same loop as `generate` (agent.loop.Agent): a refinement opens with the conversation
and the current design instead of the plain generate prompt. Each design the loop ends with becomes a new
version; the one before it stays, so `undo` is a pointer move. One operation runs at a time per session.
What only reads the session lives in views.py, /optimize and "make it smaller" in optimize.py, /test write's
work in testfiles.py.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

from aigchip.chat import optimize as chat_optimize
from aigchip.chat.context import refine_messages, stated_assumptions
from aigchip.chat.progress import Progress, ProgressRecorder, Streamed
from aigchip.chat.store import SessionState, SessionStore, Turn, Version
from aigchip.chat.testfiles import install_test, validate_test, write_tests
from aigchip.chat.versions import make_version, made_answer, no_design_answer, recording_check, reply_of, write_files
from aigchip.chat.views import SessionViews
from aigchip.config import RunConfig
from aigchip.loop import Agent, Outcome
from aigchip.models import Model, ModelError
from aigchip.models.chat import listen_to_tokens
from aigchip.task import Task, _top_from, verify_options
from aigchip.sim.check import verify_many
from aigchip.sim.process import safe_name
from aigchip.sim.types import Design, Verdict

ModelFactory = Callable[[RunConfig, Task], Model]
OFFLINE_REFINE = ("the offline baseline (no LLM) can only pick the closest demo design; it cannot edit one. "
                  "Switch to a model (/model NAME, with --base-url or OPENAI_API_KEY set) to refine; "
                  "the current design is unchanged")


def model_name(name: object) -> str:
    """`name` as a model name (one word), or ValueError."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or any(c.isspace() for c in name) or len(name) > 200:
        raise ValueError("a model name is one word, e.g. gpt-4o-mini, offline or replay")
    return name


class SessionBusy(RuntimeError):
    """Another operation is running on this session."""


class ChatSession(SessionViews):
    def __init__(self, store: SessionStore, state: SessionState, config: RunConfig, *,
                 model_factory: ModelFactory | None = None, check: Callable[..., list[Verdict]] = verify_many) -> None:
        self.store, self.state = store, state
        self.config = config.model_copy(update={"model": state.model})
        self.folder = store.folder(state.id)
        self.model_factory, self.checker = model_factory, check  # `check` is the operation below
        self._busy = threading.Lock()  # one operation at a time
        self._mutex = threading.RLock()  # short: guards reads and writes of `state`
        self._claim: Path | None = store.acquire(state.id)

    def close(self) -> None:
        """Let another process open this session."""
        if self._claim is not None:
            self.store.release(self._claim)
            self._claim = None

    @classmethod
    def create(cls, store: SessionStore, config: RunConfig, *, top: str | None = None, **kwargs: Any) -> ChatSession:
        return cls(store, store.create(top=top, model=config.model), config, **kwargs)

    @classmethod
    def resume(cls, store: SessionStore, session_id: str, config: RunConfig, **kwargs: Any) -> ChatSession:
        state = store.load(session_id)
        for turn in state.turns:  # a turn that was running when the process died
            if turn.state == "pending":
                turn.state, turn.answer = "failed", "interrupted: the session was closed while this ran (/retry)"
        return cls(store, state, config, **kwargs)

    # -- operations ---------------------------------------------------------------------------------

    def accept(self, text: str) -> None:
        """Keep a message that will be sent once what runs now is done (the web page queues them), so it
        survives a server that stops before its turn comes."""
        if not text.strip():
            raise ValueError("the message is empty: describe the block, or the change you want")
        with self._mutex:
            self.state.inbox.append(text.strip())
            self.store.save(self.state)

    def send(self, text: str, progress: Progress = lambda _: None) -> Turn:
        """A description (first) or a refinement (after): the agent generates or edits, then checks."""
        text = text.strip()
        if not text:
            raise ValueError("the message is empty: describe the block, or the change you want")
        with self._operation():
            with self._mutex:
                state = self.state
                if text in state.inbox:
                    state.inbox.remove(text)  # saved with the turn, just below
                kind = "spec" if state.current is None else "refine"
                goal = chat_optimize.asked_goal(text, self._measures_cycles()) if kind == "refine" else None
                if kind == "spec":
                    state.spec = f"{state.spec}\n\n{text}" if state.spec else text
                    state.title = state.title or " ".join(text.split())[:80]
                    state.top = state.top or _top_from("", text)
                turn = self._add_turn("optimize" if goal else kind, text)
            if goal is not None:  # "make it smaller": the same as /optimize area
                self._guarded(turn, lambda: chat_optimize.run(self, turn, goal, progress))
            else:
                self._guarded(turn, lambda: self._generate(turn, progress))
            return turn

    def optimize(self, goal: str, progress: Progress = lambda _: None) -> Turn:
        """/optimize area|fmax|latency: `generate --optimize` on the current version, against the session's
        tests; the best candidate becomes a new version (chat/optimize.py)."""
        chosen = chat_optimize.goal_of(goal)
        with self._operation():
            turn = self._add_turn("optimize", f"/optimize {chosen}")
            self._guarded(turn, lambda: chat_optimize.run(self, turn, chosen, progress))
            return turn

    def retry_text(self) -> str:
        """The message `retry` would send: the last one, if it failed; else ValueError."""
        return self._failed_message().text

    def retry(self, progress: Progress = lambda _: None) -> Turn:
        """Send the last failed message again."""
        failed = self._failed_message()
        text = failed.text
        if failed.kind == "spec" and self.state.current is None:  # its text is already in the spec
            with self._mutex:
                self.state.spec = self.state.spec[: -len(text)].rstrip() if self.state.spec.endswith(text) else self.state.spec
        return self.send(text, progress)

    def check(self, progress: Progress = lambda _: None) -> Turn:
        """Check the current design again (after the tests changed, say)."""
        with self._operation():
            turn = self._add_turn("check", "/check")
            self._guarded(turn, lambda: self._recheck(turn, progress))
            return turn

    def add_test(self, name: str, content: str | bytes, progress: Progress = lambda _: None) -> Turn:
        """Add a cocotb test module (.py) or a Verilog testbench file (.v/.sv), then check against it."""
        name, text = validate_test(name, content)
        with self._operation():
            replaced = self._install_test(name, text)
            turn = self._add_turn("tests", f"/test add {name}")
            self._guarded(turn, lambda: self._recheck(turn, progress))
            if replaced:
                turn.answer = f"{replaced}; {turn.answer}"
                self.store.save(self.state)
            return turn

    def write_tests(self, progress: Progress = lambda _: None) -> Turn:
        """Let the agent write cocotb tests from the conversation (spec and refinements), then check."""
        with self._operation():
            turn = self._add_turn("tests", "/test write")
            self._guarded(turn, lambda: write_tests(self, turn, progress))
            return turn

    def load_design(self, files: dict[str, str], progress: Progress = lambda _: None) -> Turn:
        """Your own edit of the design (Verilog files) as a new version, checked like the agent's."""
        from aigchip.sim import source

        files = {safe_name(Path(name).name): text for name, text in files.items()}
        defined = [m for text in files.values() for m in source.module_names(text)]
        top = self.state.top or next(iter(source.top_candidates(list(files.values()))), None)
        if top is None or top not in defined:
            raise ValueError(f"the files must define module {top or '(a top module)'}; they define: "
                             f"{', '.join(defined) or 'nothing'}")
        with self._operation():
            with self._mutex:
                self.state.top = top
            turn = self._add_turn("edit", "/load " + " ".join(files))
            self._guarded(turn, lambda: self._check_edit(turn, Design(files=files, top=top), progress))
            return turn

    def undo(self) -> Turn:
        """Back to the version before the current one (`redo` comes forward again)."""
        with self._operation(), self._mutex:
            if not self.state.undo_stack:
                raise ValueError("nothing to undo")
            was, self.state.current = self.state.current, self.state.undo_stack.pop()
            if was is not None:
                self.state.redo_stack.append(was)
            return self._moved("undo", "/undo", f"back to version {self.state.current} (was {was})")

    def redo(self) -> Turn:
        with self._operation(), self._mutex:
            if not self.state.redo_stack:
                raise ValueError("nothing to redo")
            was, self.state.current = self.state.current, self.state.redo_stack.pop()
            if was is not None:
                self.state.undo_stack.append(was)
            return self._moved("redo", "/redo", f"forward to version {self.state.current} (was {was})")

    def use(self, number: int) -> Turn:
        """Make version `number` the current one (`undo` goes back to the one before)."""
        with self._operation(), self._mutex:
            if self.state.version(number) is None:
                known = ", ".join(str(v.number) for v in self.state.versions) or "none yet"
                raise ValueError(f"no version {number} (versions: {known})")
            if number == self.state.current:
                raise ValueError(f"version {number} is already the current one")
            was, self.state.current = self.state.current, number
            if was is not None:
                self.state.undo_stack.append(was)
            self.state.redo_stack.clear()
            return self._moved("use", f"/use {number}", f"now on version {number} (was {was}; /undo goes back)")

    def _moved(self, kind: str, text: str, answer: str) -> Turn:
        """A turn that moved `current`; its answer says what the version now current was last checked to do."""
        turn = self._add_turn(kind, text)
        now = self.state.version()
        turn.state, turn.answer = "done", f"{answer}: {self.verdict_label(now)}" if now else answer
        self.store.save(self.state)
        return turn

    def set_model(self, name: str) -> Turn:
        name = model_name(name)
        with self._operation(), self._mutex:
            self.state.model = name
            self.config = self.config.model_copy(update={"model": name})
            turn = self._add_turn("model", f"/model {name}")
            turn.state, turn.answer = "done", f"model is now {name}"
            self.store.save(self.state)
            return turn

    # -- internals ----------------------------------------------------------------------------------

    def _failed_message(self) -> Turn:
        with self._mutex:
            said = [t for t in self.state.turns if t.kind in ("spec", "refine")]
        if not said or said[-1].state != "failed":
            raise ValueError("no failed message to retry: the last message went through")
        return said[-1]

    @contextlib.contextmanager
    def _operation(self) -> Iterator[None]:
        if not self._busy.acquire(blocking=False):
            raise SessionBusy("the session is busy with another request; wait for it to finish")
        try:
            yield
        finally:
            self._busy.release()

    def _add_turn(self, kind: str, text: str) -> Turn:
        with self._mutex:
            turn = Turn(number=len(self.state.turns) + 1, kind=kind, text=text)
            self.state.turns.append(turn)
            self.store.save(self.state)  # what was typed is on disk before anything can fail
            return turn

    def _guarded(self, turn: Turn, work: Callable[[], None]) -> None:
        """Run a turn's work; whatever goes wrong ends the turn as failed with a message, never the session."""
        try:
            work()
        except ModelError as exc:
            turn.state, turn.answer = "failed", f"model error ({exc.kind}): {exc}"
        except KeyboardInterrupt:
            turn.state, turn.answer = "failed", "interrupted (/retry to send it again)"
        except (ValueError, OSError) as exc:
            turn.state, turn.answer = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug must not take the session down with it
            turn.state, turn.answer = "failed", f"internal error: {type(exc).__name__}: {exc}"
        finally:
            with self._mutex:
                self.store.save(self.state)

    def _measures_cycles(self) -> bool:
        from aigchip.optimize import latency_problem

        return latency_problem(self._task()) is None

    def _run_config(self, task: Task) -> RunConfig:
        return self.config.model_copy(update={"feedback": "golden" if task.has_golden_tests else "lint"})

    def _model(self, config: RunConfig, task: Task) -> Model:
        if self.model_factory is not None:
            return self.model_factory(config, task)
        from aigchip.models.factory import make_model

        return make_model(config, task, out_dir=self.folder)

    def _generate(self, turn: Turn, progress: Progress) -> None:
        task = self._task()
        config = self._run_config(task)
        if turn.kind == "refine" and config.model == "offline":
            turn.state, turn.answer = "failed", OFFLINE_REFINE
            return
        model = self._model(config, task)
        listen_to_tokens(model, lambda piece: progress(Streamed(piece)))
        recorder = ProgressRecorder(self.folder, progress, model.name)
        with tempfile.TemporaryDirectory(prefix="aigchip-chat-") as scratch:
            try:
                agent = Agent(model, config, recorder=recorder, check=self._recording_check(Path(scratch)))
                if turn.kind == "spec":
                    from aigchip import demos as demo_library

                    entries, index = demo_library.corpus_for(config) if config.demos else ([], None)
                    demos, opening = demo_library.pick_for(task, config, entries, index), None
                    if demos:
                        progress("demonstrations: " + ", ".join(d.id for d in demos))
                else:
                    demos, opening = [], refine_messages(self.state, turn)
                try:
                    outcome = agent.run(task, demos, opening=opening)
                except KeyboardInterrupt:
                    outcome = agent.outcome
                    outcome.message = "interrupted"
            finally:
                recorder.close()
            self._conclude(turn, outcome)  # while the run folders (and their VCDs) exist

    def _recording_check(self, keep: Path) -> Callable[..., list[Verdict]]:
        return recording_check(self.checker, keep, lambda: self.state.tests_by_model)

    def _conclude(self, turn: Turn, outcome: Outcome) -> None:
        failed = no_design_answer(outcome)
        if failed is not None or outcome.design is None or outcome.verdict is None:  # the same test: for mypy
            turn.state, turn.answer = "failed", failed or "no new design"
            return
        version = self._new_version(turn, outcome.design, outcome.verdict, outcome)
        with self._mutex:
            version.assumptions = stated_assumptions(reply_of(outcome))
        turn.state, turn.version = "done", version.number
        turn.answer = made_answer(version.number, self.verdict_label(version), outcome)

    def _new_version(self, turn: Turn, design: Design, verdict: Verdict, outcome: Outcome | None) -> Version:
        with self._mutex:
            number = max((v.number for v in self.state.versions), default=0) + 1
        version = make_version(number, turn.number, design, verdict, outcome, self.tests_key())
        write_files(self.folder, version)
        self._keep_waves(version, verdict)
        with self._mutex:
            self.state.versions.append(version)
            if self.state.current is not None:
                self.state.undo_stack.append(self.state.current)
            self.state.redo_stack.clear()
            self.state.current = number
        return version

    def _recheck(self, turn: Turn, progress: Progress) -> None:
        version = self.current()
        if version is None:
            turn.state, turn.answer = "done", f"tests: {', '.join(self.state.tests) or 'none'}; no design yet to check"
            return
        progress("checking the current design")
        with self._checked(Design(files=version.files, top=version.top)) as verdict:
            with self._mutex:
                version.status, version.summary = str(verdict.status), verdict.summary()
                version.verdict = verdict.model_dump(mode="json", exclude={"waveform", "run_dir"})
                version.tests_key = self.tests_key()
            self._keep_waves(version, verdict)
        turn.state, turn.version = "done", version.number
        turn.answer = f"version {version.number} checked again: {self.verdict_label(version)}"

    def _check_edit(self, turn: Turn, design: Design, progress: Progress) -> None:
        progress("checking your edit")
        with self._checked(design) as verdict:
            version = self._new_version(turn, design, verdict, None)
        turn.state, turn.version = "done", version.number
        turn.answer = f"version {version.number} (your edit): {self.verdict_label(version)}"

    def _install_test(self, name: str, text: str, by_model: bool = False) -> str:
        """Put a test file in place (`by_model`: the model wrote it); says which files it replaced ("" when none)."""
        with self._mutex:
            self.state.tests, replaced = install_test(self.folder / "tests", self.state.tests, name, text)
            if name.endswith(".py") or not any(n.endswith(".py") for n in self.state.tests):
                self.state.tests_by_model = by_model and name.endswith(".py")
            self.store.save(self.state)
        return f"replaced tests/{', tests/'.join(replaced)}" if replaced else ""

    @contextlib.contextmanager
    def _checked(self, design: Design) -> Iterator[Verdict]:
        """`design` checked against the session's tests; its run folder (and VCD) lasts while the block runs."""
        task, config = self._task(), self.config
        options = verify_options(task, config)
        with tempfile.TemporaryDirectory(prefix="aigchip-chat-") as scratch:
            yield self._recording_check(Path(scratch))([(design, options)], jobs=1)[0]

    def _keep_waves(self, version: Version, verdict: Verdict) -> None:
        """Keep the VCD of the check that gave `verdict` (if it recorded one) beside the version, and draw it."""
        from aigchip.chat.waves import keep_waves

        with self._mutex:
            version.waves = version.picture = version.gtkw = None
        kept = keep_waves(verdict, version.files, version.top, self.folder, version.folder)
        with self._mutex:
            version.waves, version.picture, version.gtkw = kept
