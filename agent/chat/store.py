"""A chat session on disk: one folder per session holding `chat.json` (the conversation, every design
version and which one is current), `session.jsonl` (every prompt, reply and verdict), `versions/NNN/`
(each version's files and waveform) and `tests/` (the tests the session checks against).

What the user typed is saved before the model is asked, so a failing model, a killed process or a
closed browser tab never loses it. Writes are atomic: a reader (a second tab, a resumed terminal)
sees the old state or the new one, never half of one.
"""

from __future__ import annotations

import builtins
import fcntl
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from aigchip.sim.files import write_atomic
from aigchip import paths

STATE = "chat.json"
LOCK = ".lock"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")

TurnKind = Literal["spec", "refine", "edit", "tests", "check", "undo", "redo", "use", "model", "accel", "optimize"]
TurnState = Literal["pending", "done", "failed"]


class Version(BaseModel):
    number: int  # 1, 2, ...: the order versions were made in
    turn: int  # the turn that made it
    top: str
    files: dict[str, str]
    status: str  # its latest verdict's status
    summary: str
    verdict: dict[str, Any]  # the latest verdict (sim.types.Verdict as JSON)
    tests_key: str | None = None  # which tests that verdict was checked against (ChatSession.tests_key)
    waves: str | None = None  # the last simulation's VCD, relative to the session folder
    picture: str | None = None  # the waveform drawn as SVG, relative to the session folder
    gtkw: str | None = None  # a GTKWave save file showing the same signals and span, relative to the session folder
    iterations: int = 0
    tokens: int = 0
    assumptions: str = ""  # what the model said beside the code (its stated assumptions), as it said it

    @property
    def folder(self) -> str:
        """Where its files, VCD and picture are kept, relative to the session folder."""
        return f"versions/{self.number:03d}"


class Turn(BaseModel):
    number: int
    kind: TurnKind
    text: str  # what the user typed (or the command), kept whatever happens next
    state: TurnState = "pending"
    answer: str = ""  # the agent's short account of what it did, or what went wrong
    version: int | None = None  # the version this turn made, if any
    at: float = Field(default_factory=time.time)


class SessionState(BaseModel):
    id: str
    title: str = ""
    created: float = Field(default_factory=time.time)
    updated: float = Field(default_factory=time.time)
    top: str | None = None  # fixed by the first spec (or --top)
    spec: str = ""  # the first description; refinements are turns
    model: str = "offline"
    turns: list[Turn] = Field(default_factory=list)
    versions: list[Version] = Field(default_factory=list)
    current: int | None = None  # the version being refined
    undo_stack: list[int] = Field(default_factory=list)  # earlier `current` values, newest last
    redo_stack: list[int] = Field(default_factory=list)  # `current` values undone, newest last
    tests: list[str] = Field(default_factory=list)  # file names in tests/: one cocotb module or Verilog testbenches
    tests_by_model: bool = False  # the cocotb module was written by the model (Write tests): sandbox required
    tb_top: str | None = None
    inbox: list[str] = Field(default_factory=list)  # messages accepted (by the web page) but not yet started

    def version(self, number: int | None = None) -> Version | None:
        number = self.current if number is None else number
        return next((v for v in self.versions if v.number == number), None)


def default_root() -> Path:
    return paths.sessions_root()


def valid_id(session_id: str) -> bool:
    return bool(_ID.match(session_id))


class SessionStore:
    """The sessions under one root folder; ids are checked so no path outside the root can be named."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def folder(self, session_id: str) -> Path:
        if not valid_id(session_id):
            raise ValueError(f"not a session id: {session_id[:80]!r}")
        return self.root / session_id

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def create(self, **fields: Any) -> SessionState:
        state = SessionState(id=self.new_id(), **fields)
        folder = self.folder(state.id)
        (folder / "tests").mkdir(parents=True, exist_ok=False)
        self.save(state)
        return state

    def load(self, session_id: str) -> SessionState:
        path = self.folder(session_id) / STATE
        if not path.is_file():
            raise ValueError(f"no session {session_id!r} in {self.root}")
        try:
            return SessionState.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"{path} is damaged: {str(exc).splitlines()[0]}") from None

    def save(self, state: SessionState) -> None:
        state.updated = time.time()
        write_atomic(self.folder(state.id) / STATE, state.model_dump_json(indent=1) + "\n")

    def list(self) -> list[dict[str, Any]]:
        """Every session, newest first: id, title, top, status of its current version, turns, updated."""
        found: list[dict[str, Any]] = []
        if not self.root.is_dir():
            return found
        for path in self.root.glob(f"*/{STATE}"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            current = next((v for v in data.get("versions", []) if v.get("number") == data.get("current")), None)
            found.append({"id": data.get("id"), "title": data.get("title", ""), "top": data.get("top"),
                          "status": current["status"] if current else None, "turns": len(data.get("turns", [])),
                          "updated": data.get("updated", 0)})
        return sorted(found, key=lambda s: s["updated"], reverse=True)

    def latest(self) -> str | None:
        sessions = self.list()
        return sessions[0]["id"] if sessions else None

    # -- one process at a time per session -------------------------------------------------------------

    _held: ClassVar[dict[Path, builtins.list[Any]]] = {}  # lock file to [open file, users in this process]

    def acquire(self, session_id: str) -> Path:
        """Claim the session for this process (the terminal and `serve` must not both write chat.json).
        Raises ValueError when another process holds it; the claim ends with `release` or the process."""
        path = (self.folder(session_id) / LOCK).resolve()
        held = SessionStore._held.get(path)
        if held is not None:
            held[1] += 1
            return path
        handle = open(path, "a+")  # noqa: SIM115 - held open while the lock is: released in release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ValueError(f"session {session_id} is open in another aigchip process (chat or serve); "
                             "close it there first") from None
        SessionStore._held[path] = [handle, 1]
        return path

    @staticmethod
    def release(path: Path) -> None:
        held = SessionStore._held.get(path)
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            held[0].close()
            del SessionStore._held[path]
