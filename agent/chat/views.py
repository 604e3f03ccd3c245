"""What a chat session shows without changing it: the state, versions, diffs, verdict labels, the tests in use,
the waveform, and the current version saved in the `generate --out` layout. ChatSession (session.py) inherits
these; they only read `state`, under its short lock."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from aigchip.chat.context import save_version, version_diff
from aigchip.chat.store import SessionState, Version
from aigchip.config import RunConfig
from aigchip.sim.types import Verdict
from aigchip.task import Task

if TYPE_CHECKING:
    from aigchip.chat.waves import WaveView


class SessionViews:
    state: SessionState
    config: RunConfig
    folder: Path
    _busy: threading.Lock
    _mutex: threading.RLock

    # -- reading ------------------------------------------------------------------------------------

    def snapshot(self) -> SessionState:
        """A consistent copy of the state, safe to read while an operation runs in another thread."""
        with self._mutex:
            return self.state.model_copy(deep=True)

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    def current(self) -> Version | None:
        with self._mutex:
            return self.state.version()

    def diff(self, old: int | None = None, new: int | None = None) -> str:
        """A unified diff between two versions: by default the current one and the one before it."""
        with self._mutex:
            new_v = self.state.version(new)
            if old is None and new is None:
                old = self.state.undo_stack[-1] if self.state.undo_stack else None
            old_v = self.state.version(old) if old is not None else None
        return version_diff(old_v, new_v) if new_v is not None and old_v is not None else ""

    def tests_key(self) -> str:
        """A fingerprint of the tests in use now: a verdict checked against other tests is stale."""
        digest = hashlib.sha256((self.state.tb_top or "").encode())
        for name, text in sorted(self.tests_text().items()):
            digest.update(f"\0{name}\0{text}".encode())
        return digest.hexdigest()[:16]

    def stale(self, version: Version, tests_key: str | None = None) -> bool:
        """Whether `version`'s verdict was checked against tests other than the ones in use now."""
        return version.tests_key is not None and version.tests_key != (tests_key or self.tests_key())

    def verdict_label(self, version: Version, tests_key: str | None = None) -> str:
        """What `version`'s verdict says was checked, marked stale when the tests changed since."""
        label = Verdict.model_validate(version.verdict).label()
        return f"{label} [stale: the tests changed since; /check]" if self.stale(version, tests_key) else label

    def wave_view(self, version: Version | None = None) -> WaveView | None:
        """The current version's (or `version`'s) last simulation, read; None when there is none."""
        from aigchip.chat.waves import view_of

        return view_of(self.folder, version or self.current())

    def waves_table(self, internals: bool = False, cycles: tuple[int, int] | None = None) -> str:
        """The current version's waveform as a table: the first view, or clock cycles `cycles` (first, last)."""
        view = self.wave_view()
        if view is None:
            return ""
        span = view.window(internals=internals)
        return (span.cycles(*cycles) if cycles else span).table(rows=max(20, cycles[1] - cycles[0] + 1) if cycles else 20)

    def tests_text(self) -> dict[str, str]:
        return {name: (self.folder / "tests" / name).read_text(encoding="utf-8", errors="replace")
                for name in self.state.tests if (self.folder / "tests" / name).is_file()}

    # -- saving -------------------------------------------------------------------------------------

    def save(self, out_dir: Path) -> list[str]:
        """The current version in the `generate --out` layout, so `aigchip regress` can re-check it."""
        with self._mutex:
            version = self.state.version()
            if version is None:
                raise ValueError("there is no design to save yet")
            state = self.state.model_copy(deep=True)
        return save_version(state, version, self._task(), self.config, self.folder, Path(out_dir))

    def _task(self, spec: str | None = None) -> Task:
        tests_dir = self.folder / "tests"
        py = [tests_dir / n for n in self.state.tests if n.endswith(".py")]
        bench = tuple(tests_dir / n for n in self.state.tests if not n.endswith(".py"))
        return Task(id=f"chat-{self.state.id}", top=self.state.top or "top", spec={"detailed": spec or self.state.spec},
                    testbench=bench, tests=None if bench else (py[0] if py else None), tb_top=self.state.tb_top,
                    source="chat")
