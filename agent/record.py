"""What a run leaves behind: session.jsonl (every prompt, reply, verdict, token count), meta.json, the files.

Each session line is flushed as it is written, so a killed run keeps everything up to its last step.
API keys never reach these files: they hold messages, replies and verdicts, and the config names only
the variable that holds the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aigchip.sim.files import write_atomic
from aigchip.sim.types import Design

SESSION = "session.jsonl"
META = "meta.json"


class Recorder:
    """Writes a run's record into `folder`; `Recorder(None)` records nothing (for library use)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._session = open(self.folder / SESSION, "a", encoding="utf-8")

    def event(self, event_type: str, **fields: Any) -> None:
        if self.folder is None:
            return
        self._session.write(json.dumps({"type": event_type, **fields}, default=str) + "\n")
        self._session.flush()

    def line(self, record: dict[str, Any]) -> None:
        """A prepared line (e.g. models.record_line) as it is, so replay can read it back."""
        if self.folder is None:
            return
        self._session.write(json.dumps(record, default=str) + "\n")
        self._session.flush()

    def write_design(self, design: Design, extra: dict[str, str] | None = None) -> list[str]:
        """The final design files (and e.g. the tests used) beside the record; returns their names."""
        if self.folder is None:
            return sorted(design.files)
        written = []
        for name, text in {**design.files, **(extra or {})}.items():
            (self.folder / name).write_text(text, encoding="utf-8")
            written.append(name)
        return sorted(written)

    def write_meta(self, meta: dict[str, Any]) -> None:
        if self.folder is None:
            return
        write_atomic(self.folder / META, json.dumps(meta, indent=1, default=str) + "\n")

    def close(self) -> None:
        if self.folder is not None:
            self._session.close()
