"""The sessions `aigchip serve` keeps open: one `ChatSession` per id, each with one worker thread that runs
its operations in the order they arrived (two tabs posting at once both get their turn), and the events it
produces (`progress`, `state`, `error`) fanned out to every tab watching that session.

Nothing here knows about HTTP: agent.chat.web turns requests into `Job`s and views into JSON.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aigchip.chat import accel, commands
from aigchip.chat.progress import Streamed
from aigchip.chat.session import ChatSession, SessionBusy
from aigchip.chat.store import SessionStore
from aigchip.chat.testfiles import plain_name
from aigchip.config import RunConfig

LOG_TAIL = 4000  # characters of the tool log a view carries
MAX_DIAGNOSTICS = 200
SUBSCRIBER_BACKLOG = 1000  # events a slow tab may fall behind by before it misses some
TOKEN_BATCH_S = 0.1  # a streamed reply reaches the page in pieces at most this often
_TOP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")

Progress = Callable[[str], None]


class NoSession(LookupError):
    """The id names no session (or is not an id at all)."""


@dataclass
class Job:
    kind: str  # message, or a command's name (aigchip.chat.commands)
    text: str  # what the page shows while the job waits its turn
    run: Callable[[Progress], Any]


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=SUBSCRIBER_BACKLOG)

    def offer(self, item: tuple[str, str]) -> None:  # runs in the subscriber's event loop
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            pass


def redactor(config: RunConfig) -> Callable[[str], str]:
    """Blanks the endpoint's URL and the API key's value out of text bound for the page. Neither is ever put
    in a view on purpose; this catches them inside error messages (a model error names the endpoint)."""

    def redact(text: str) -> str:
        key = os.environ.get(config.api_key_env) or ""
        for secret, label in ((key, "[api key]"), (config.base_url or "", "[endpoint]")):
            if len(secret) >= 6:
                for form in {secret, json.dumps(secret)[1:-1], secret.rstrip("/")}:
                    text = text.replace(form, label)
        return text

    return redact


class Live:
    """One session being served: its ChatSession, the operations waiting for it, and who is watching."""

    def __init__(self, session: ChatSession, redact: Callable[[str], str] = lambda text: text) -> None:
        self.session, self.redact = session, redact
        self.jobs: deque[Job] = deque()
        self.running: Job | None = None
        self.last_error: str | None = None
        self.lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._subscribers: set[_Subscriber] = set()
        self._seq = 0
        self._waves: tuple[tuple[Any, ...], Any] | None = None  # (key, a WaveView or the error text)

    # -- operations -----------------------------------------------------------------------------------

    def submit(self, job: Job) -> int:
        """Queue `job` behind any others; returns how many are waiting (this one included)."""
        with self.lock:
            self.jobs.append(job)
            waiting = len(self.jobs)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name=f"chat-{self.session.state.id}",
                                                daemon=True)
                self._worker.start()
        self.publish_state()
        return waiting

    @property
    def idle(self) -> bool:
        with self.lock:
            return self.running is None and not self.jobs and not self.session.busy

    def _work(self) -> None:
        while True:
            with self.lock:
                if not self.jobs:
                    self._worker = None
                    return
                job = self.running = self.jobs.popleft()
            self._run(job)

    def _run(self, job: Job) -> None:
        started = False
        reply: list[str] = []  # pieces of a streamed reply not yet sent to the page
        sent = [0.0]

        def flush() -> None:
            if reply:
                self.publish("token", {"text": "".join(reply)})
                reply.clear()
            sent[0] = time.monotonic()

        def progress(text: str) -> None:
            nonlocal started
            if not started:  # by now the session has saved the turn: show it as pending
                started = True
                self.publish_state()
            if isinstance(text, Streamed):  # sent in batches, a few a second: the page stays smooth
                reply.append(str(text))
                if time.monotonic() - sent[0] >= TOKEN_BATCH_S:
                    flush()
                return
            flush()
            self.publish("progress", {"text": str(text)})

        try:
            job.run(progress)
            flush()
            self.last_error = None
        except (ValueError, OSError, SessionBusy) as exc:
            self._fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug must not take the worker down with it
            self._fail(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            with self.lock:
                self.running = None
            self.publish_state()

    def _fail(self, message: str) -> None:
        self.last_error = message
        self.publish("error", {"message": message})

    # -- events ---------------------------------------------------------------------------------------

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> _Subscriber:
        subscriber = _Subscriber(loop)
        with self.lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: _Subscriber) -> None:
        with self.lock:
            self._subscribers.discard(subscriber)

    @property
    def watchers(self) -> int:
        with self.lock:
            return len(self._subscribers)

    def publish(self, event: str, data: dict[str, Any] | str) -> None:
        payload = self.redact(data if isinstance(data, str) else json.dumps(data))
        with self.lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.offer, (event, payload))
            except RuntimeError:  # its event loop is gone
                self.unsubscribe(subscriber)

    def publish_state(self) -> None:
        if self.watchers:
            self.publish("state", json.dumps(self.view()))

    # -- the view -------------------------------------------------------------------------------------

    def view_json(self) -> str:
        """The view as the page gets it (see `view`, `redactor`)."""
        return self.redact(json.dumps(self.view()))

    def view(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data. No configuration besides the model's name."""
        session = self.session
        state = session.snapshot()  # a consistent copy while the worker may be changing the state
        with self.lock:
            self._seq += 1
            seq = self._seq
            running = self.running
            waiting = [{"kind": job.kind, "text": job.text} for job in self.jobs]
        if running is not None and not any(t.state == "pending" for t in state.turns):
            waiting.insert(0, {"kind": running.kind, "text": running.text})  # started, no turn saved yet
        base = f"/api/sessions/{state.id}"
        current, key = state.version(), session.tests_key()
        view: dict[str, Any] = {
            "seq": seq, "id": state.id, "title": state.title, "top": state.top, "model": state.model,
            "busy": running is not None or bool(waiting) or session.busy, "queued": len(waiting),
            "waiting": waiting, "last_error": self.last_error,
            "turns": [{"number": t.number, "kind": t.kind, "text": t.text, "state": t.state, "answer": t.answer,
                       "version": t.version, "at": t.at} for t in state.turns],
            "versions": [{"number": v.number, "turn": v.turn, "status": v.status, "summary": v.summary,
                          "label": session.verdict_label(v, key), "stale": session.stale(v, key),
                          "assumptions": v.assumptions} for v in state.versions],
            "can_undo": bool(state.undo_stack), "can_redo": bool(state.redo_stack), "current": None, "diff": "", "waves_table": "",
            "picture_url": None, "download_url": None, "waves": None, "vcd_url": None, "gtkw_url": None,
            "tests": [{"name": name, "text": text} for name, text in session.tests_text().items()],
            "accel": accel.page_view(session),
        }
        if current is not None:
            verdict = current.verdict
            diagnostics = [{key: d.get(key) for key in ("severity", "message", "file", "line", "source", "code")}
                           for d in verdict.get("diagnostics", [])[:MAX_DIAGNOSTICS]]
            picture = self._picture_of(current)
            view["current"] = {
                "number": current.number, "top": current.top, "files": current.files, "status": current.status,
                "summary": current.summary, "label": session.verdict_label(current, key), "stale": session.stale(current, key),
                "checks": verdict.get("checks", []), "diagnostics": diagnostics, "tests_total": verdict.get("tests_total"),
                "tests_failed": verdict.get("tests_failed"), "log": (verdict.get("log") or "")[-LOG_TAIL:],
                "iterations": current.iterations, "assumptions": current.assumptions, "turn": current.turn}
            view["diff"] = session.diff()
            view["waves_table"] = self._waves_table(current)
            wave = self._wave_view(current)
            if wave is not None and not isinstance(wave, str):
                from aigchip.chat.waves import plot_area

                first = wave.window()
                view["waves"] = {**first.describe(), "plot": plot_area(first)}
                view["vcd_url"] = f"{base}/versions/{current.number}/waves.vcd"
                view["gtkw_url"] = f"{base}/versions/{current.number}/waves.gtkw"
            if picture is not None:
                view["picture_url"] = f"{base}/picture?v={current.number}-{picture.stat().st_mtime_ns}"
            view["download_url"] = f"{base}/download"
        return view

    def _wave_view(self, version: Any) -> Any:
        """`version`'s waveform, read once per kept VCD; None when it has none, the error text when unreadable."""
        if version is None or not version.waves:
            return None
        path = self.session.folder / version.waves
        try:
            key = (version.number, version.waves, path.stat().st_mtime_ns)
        except OSError:
            return None
        with self.lock:
            cached = self._waves
        if cached is None or cached[0] != key:
            try:
                cached = (key, self.session.wave_view(version))
            except (OSError, ValueError) as exc:
                cached = (key, f"(the waveform could not be read: {exc})")
            with self.lock:
                self._waves = cached
        return cached[1]

    def _waves_table(self, version: Any) -> str:
        view = self._wave_view(version)
        return view if isinstance(view, str) else view.window().table() if view is not None else ""

    def wave_window(self, number: int | None = None, *, start: int | None = None, end: int | None = None,
                    internals: bool = False) -> Any:
        """A window of version `number`'s (default: the current one's) waveform; ValueError when there is none."""
        version = self.session.snapshot().version(number)
        view = self._wave_view(version)
        if view is None:
            raise ValueError("no waveform for this version (add tests to get one)")
        if isinstance(view, str):
            raise ValueError(view.strip("()"))
        return version, view.window(start=start, end=end, internals=internals)

    def waves(self, base: str, *, start: int | None = None, end: int | None = None, internals: bool = False) -> dict[str, Any]:
        """What the page's waveform card shows for a span: where it is, its table, the picture and GTKWave links."""
        version, span = self.wave_window(start=start, end=end, internals=internals)
        query = f"start={span.start}&end={span.end}" + ("&internals=1" if internals else "")
        from aigchip.chat.waves import plot_area

        return {"version": version.number, "window": {**span.describe(), "plot": plot_area(span)}, "table": span.table(),
                "picture_url": f"{base}/versions/{version.number}/picture?{query}",
                "gtkw_url": f"{base}/versions/{version.number}/waves.gtkw?{query}",
                "vcd_url": f"{base}/versions/{version.number}/waves.vcd"}

    def picture(self, number: int | None = None) -> Path | None:
        """The waveform SVG of version `number` (default: the current one), only ever inside the session folder."""
        return self._picture_of(self.session.snapshot().version(number))

    def _picture_of(self, version: Any) -> Path | None:
        if version is None or not version.picture:
            return None
        folder = self.session.folder.resolve()
        path = (folder / version.picture).resolve()
        if not path.is_relative_to(folder) or path.suffix != ".svg" or not path.is_file():
            return None
        return path


class SessionHub:
    """The live sessions of one server, opened (created or resumed) on first use."""

    def __init__(self, store: SessionStore, config: RunConfig, *, model_factory: Any = None,
                 check: Callable[..., Any] | None = None) -> None:
        self.store, self.config = store, config
        self.kwargs: dict[str, Any] = {"model_factory": model_factory}
        if check is not None:
            self.kwargs["check"] = check
        self.redact = redactor(config)
        self.closed = threading.Event()  # set when the server stops: event streams end
        self._lock = threading.Lock()
        self._live: dict[str, Live] = {}

    def get(self, session_id: str) -> Live:
        try:
            self.store.folder(session_id)
        except ValueError:
            raise NoSession("no such session") from None
        with self._lock:
            live = self._live.get(session_id)
            if live is None:
                try:
                    session = ChatSession.resume(self.store, session_id, self.config, **self.kwargs)
                except ValueError as exc:
                    raise NoSession("no such session" if "no session" in str(exc) else str(exc)) from None
                live = self._live[session_id] = Live(session, self.redact)
                for text in session.snapshot().inbox:  # accepted before the server stopped: run them now
                    live.submit(_send(live, text))
            return live

    def create(self, top: str | None = None) -> Live:
        if top is not None and not _TOP.match(top):
            raise ValueError("top must be a Verilog module name (letters, digits and _)")
        session = ChatSession.create(self.store, self.config, top=top, **self.kwargs)
        with self._lock:
            live = self._live[session.state.id] = Live(session, self.redact)
        return live

    def close(self) -> None:
        self.closed.set()


# -- requests turned into jobs, checked before they are queued ---------------------------------------------

def message_job(live: Live, text: Any) -> Job:
    """A message, kept in the session's inbox on disk from the moment it is accepted until its turn starts."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the message is empty: describe the block, or the change you want")
    live.session.accept(text)
    return _send(live, text)


def _send(live: Live, text: str) -> Job:
    return Job("message", text, lambda progress: live.session.send(text, progress))


def command_call(live: Live, data: dict[str, Any]) -> tuple[commands.Command, commands.Call]:
    """A command from the page, as the terminal's table knows it: `{"line": "/use 2"}` typed in the message box,
    or `{"command": "test add", "args": [...], "files": {name: text}}` from a button; checked before it is queued."""
    if isinstance(data.get("line"), str):
        command, args = commands.parse(data["line"], page=True)
        if command.files:
            raise ValueError(f"/{command.name} takes files: use the page's button for it (Add test file, Load design)")
    else:
        command = commands.lookup(data.get("command"), page=True)
        args = data.get("args", [data["arg"]] if isinstance(data.get("arg"), str) else [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ValueError("args is a list of strings")
        least, most = command.arity()
        if not command.files and not least <= len(args) <= most:
            raise ValueError(f"usage: {command.line}")
    files = data.get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise ValueError("files is an object of file names to their text")
    if command.files:
        files, args = {plain_name(name): text for name, text in files.items()}, []
    call = commands.Call(live.session, args, files, page=True)
    if command.validate is not None:
        command.validate(call)
    if command.ready is not None and live.idle:  # otherwise what is queued ahead may change the answer
        command.ready(call)
    return command, call


def command_job(command: commands.Command, call: commands.Call) -> Job:
    shown = command.line.split()[0] + "".join(f" {a}" for a in [*call.args, *call.files])
    return Job(command.name, shown, lambda progress: command.run(dataclasses.replace(call, progress=progress)))
