"""Models that need no endpoint: scripted (deterministic, for tests and demos), replay (a recorded session)
and manual (a person pastes replies from a chat window)."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections import deque
from pathlib import Path
from typing import Any, Iterable, TextIO

from aigchip.models.protocol import Message, ModelError, Reply, Usage, check_n, messages_digest


class ScriptedModel:
    """Replies from a list, in order (a `ModelError` in the list is raised instead). No LLM involved."""

    kind = "scripted"

    def __init__(self, replies: Iterable[str | Reply | ModelError], *, name: str = "scripted") -> None:
        self.name = name
        self._script: deque[str | Reply | ModelError] = deque(replies)
        self._lock = threading.Lock()
        self.requests: list[list[Message]] = []  # the messages of every call, in order

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        check_n(n)
        with self._lock:
            self.requests.append([Message(role=m["role"], content=m["content"]) for m in messages])
            return [self._next() for _ in range(n)]

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        return self.complete(messages, n=n, sample_index=sample_index)

    def _next(self) -> Reply:
        if not self._script:
            raise ModelError("exhausted", "the scripted model has no replies left")
        item = self._script.popleft()
        if isinstance(item, ModelError):
            raise item
        if isinstance(item, Reply):
            return item
        return Reply(text=item, usage=Usage(), model=self.name, kind=self.kind, finish_reason="stop", llm=False)


def record_line(messages: list[Message], reply: Reply) -> dict[str, Any]:
    """One model call's transcript line (one line per reply when n > 1): see `ReplayModel`."""
    return {"type": "model_reply", "digest": messages_digest(messages),
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "reply": reply.model_dump(mode="json")}


class ReplayModel:
    """Replies recorded in a session transcript, replayed without any endpoint.

    The transcript is JSON Lines. Lines holding both "messages" (a list of {"role", "content"}) and
    "reply" (a `Reply` as JSON) are model replies, as written by `record_line`; other lines are ignored.
    A request takes the first unused reply recorded for identical messages, or else the first unused
    reply in recorded order (counted in `unmatched`). Replayed replies spend nothing (zero usage).
    """

    kind = "replay"

    def __init__(self, transcript: Path | Iterable[dict[str, Any]], *, name: str | None = None) -> None:
        lines = _read_jsonl(Path(transcript)) if isinstance(transcript, (str, Path)) else list(transcript)
        self._recorded = [(messages_digest(line["messages"]), Reply.model_validate(line["reply"]))
                          for line in lines if isinstance(line, dict) and "messages" in line and "reply" in line]
        self._unused = list(range(len(self._recorded)))
        self.name = name or (self._recorded[0][1].model if self._recorded else "replay")
        self.unmatched = 0
        self._lock = threading.Lock()

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        check_n(n)
        digest = messages_digest(messages)
        with self._lock:
            return [self._take(digest) for _ in range(n)]

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        return self.complete(messages, n=n, sample_index=sample_index)

    def _take(self, digest: str) -> Reply:
        if not self._unused:
            raise ModelError("exhausted", f"the transcript has no unused replies left (it held {len(self._recorded)})")
        position = next((i for i in self._unused if self._recorded[i][0] == digest), None)
        if position is None:
            position, self.unmatched = self._unused[0], self.unmatched + 1
        self._unused.remove(position)
        recorded = self._recorded[position][1]
        return recorded.model_copy(update={"kind": self.kind, "usage": Usage(), "cached": False})


def _read_jsonl(path: Path) -> list[Any]:
    records = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            records += [json.loads(text)] if text.strip() else []
        except ValueError as exc:
            raise ModelError("bad_response", f"{path}:{number} is not valid JSON ({exc})") from None
    return records


class ManualModel:
    """For people with only a chat window: shows the prompt, takes the reply they paste.

    The prompt is written to `prompt_path` and printed to `out` (default stderr: stdout stays free for
    --json). The reply comes from `reply_path` when given, else from `input_stream` (default stdin) up
    to a line holding only END, or the end of input. Nothing is copied anywhere else.
    """

    kind = "manual"

    def __init__(self, prompt_path: Path, *, reply_path: Path | None = None, out: TextIO | None = None,
                 input_stream: TextIO | None = None, name: str = "manual") -> None:
        self.name, self.prompt_path = name, Path(prompt_path)
        self.reply_path = Path(reply_path) if reply_path else None
        self._out, self._in = out, input_stream

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        check_n(n)
        if self.reply_path and n > 1:
            raise ValueError("a reply file holds one reply: ask the manual model for one sample at a time")
        prompt = "\n\n".join(f"### {m['role']}\n{m['content']}" for m in messages)
        self.prompt_path.parent.mkdir(parents=True, exist_ok=True)
        self.prompt_path.write_text(prompt, encoding="utf-8")
        return [Reply(text=self._ask(prompt, sample_index + i), usage=Usage(), model=self.name, kind=self.kind)
                for i in range(n)]

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        return await asyncio.to_thread(self.complete, messages, n=n, sample_index=sample_index)

    def _ask(self, prompt: str, sample: int) -> str:
        out = self._out or sys.stderr
        out.write(f"{prompt}\n\n--- the prompt above is also in {self.prompt_path} (sample {sample}) ---\n")
        if self.reply_path:
            out.write(f"reading the reply from {self.reply_path}\n")
            try:
                return self.reply_path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ModelError("cancelled", f"no reply yet ({exc.strerror}): save the chat's answer in "
                                 f"{self.reply_path} and run again") from None
        out.write("Paste the chat's reply, then a line holding only END:\n")
        out.flush()
        lines: list[str] = []
        for line in self._in or sys.stdin:
            if line.strip() == "END":
                return "".join(lines).rstrip("\n")
            lines.append(line)
        if not lines:
            raise ModelError("cancelled", "no reply was pasted (the input ended): run again and paste the reply")
        return "".join(lines).rstrip("\n")
