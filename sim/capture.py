"""Collecting a tool's output without letting a flood of it cost memory: the head and tail of the stream,
and every whole line that matters (sim/process.py, sim/pair.py)."""

from __future__ import annotations

import re


class HeadTail:
    """Collects a stream, keeping only its head and tail so a flood of output costs no memory."""

    def __init__(self, head: int, tail: int) -> None:
        self.head_limit, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    def text(self) -> tuple[str, bool]:
        tail = bytes(self.tail[-self.tail_limit :]) if self.tail_limit else b""
        dropped = self.total - len(self.head) - len(tail)
        head = bytes(self.head).decode("utf-8", errors="replace")
        if dropped <= 0:
            return head + tail.decode("utf-8", errors="replace"), False
        marker = f"\n[... {dropped} bytes of output cut by aigchip ...]\n"
        return head + marker + tail.decode("utf-8", errors="replace"), True


class LineKeeper:
    """Keeps every whole line matching `pattern` (up to `limit` bytes), however much else is printed."""

    def __init__(self, pattern: re.Pattern[bytes], limit: int) -> None:
        self.pattern, self.room = pattern, limit
        self.kept: list[bytes] = []
        self.pending = b""
        self.overflow = False

    def feed(self, chunk: bytes) -> None:
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        self.pending = self.pending[-65536:]  # an endless line is not a line anyone needs whole
        for line in lines:
            if self.pattern.search(line):
                self._keep(line)

    def close(self) -> None:
        if self.pending and self.pattern.search(self.pending):
            self._keep(self.pending)

    def _keep(self, line: bytes) -> None:
        self.room -= len(line) + 1
        if self.room < 0:
            self.overflow = True
        else:
            self.kept.append(line)

    def text(self) -> str:
        return b"\n".join(self.kept).decode("utf-8", errors="replace")
