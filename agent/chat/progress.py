"""What a chat session tells the person while a turn runs, taken from the events the loop records."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from aigchip.record import Recorder

Progress = Callable[[str], None]


class Streamed(str):
    """A piece of the model's reply as it arrives: passed to `progress` like any text, so a front end that
    shows the reply live (the page) can tell it from a progress line."""


class ProgressRecorder(Recorder):
    """The session's record (session.jsonl), telling `progress` what the loop is doing as it goes."""

    def __init__(self, folder: Path | None, progress: Progress, model_name: str) -> None:
        super().__init__(folder)
        self.progress, self.model_name = progress, model_name

    def event(self, event_type: str, **fields: Any) -> None:
        super().event(event_type, **fields)
        if event_type == "request":
            what = "tests" if fields.get("purpose") == "self_test" else f"iteration {fields.get('iteration')}"
            self.progress(f"asking {self.model_name} ({what})")
        elif event_type == "verdict":
            verdict = fields.get("verdict") or {}
            self.progress(f"checked iteration {fields.get('iteration')}: {verdict.get('status')}")
        elif event_type == "optimize_verdict":
            self.progress(f"optimize round {fields.get('round')}: {fields.get('reason')}")
        elif event_type == "model_error":
            self.progress(f"model error: {fields.get('message')}")
