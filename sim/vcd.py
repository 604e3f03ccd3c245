"""Reading a VCD waveform into a small text table of the signals around a moment, for the model and people."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 64 * 1024 * 1024  # a waveform bigger than this is read only up to here


@dataclass
class Waveform:
    timescale: str = ""
    names: dict[str, str] = field(default_factory=dict)  # VCD id code to hierarchical name
    widths: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # id to (time, value), in order
    end_time: int = 0

    def value_at(self, code: str, time: int) -> str:
        value = "x"
        for when, new in self.changes.get(code, []):
            if when > time:
                break
            value = new
        return value


def read(path: str | Path, max_bytes: int = MAX_BYTES) -> Waveform:
    wave = Waveform()
    scope: list[str] = []
    now = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read(max_bytes)
    header, _, body = text.partition("$enddefinitions")
    seen: set[str] = set()
    for m in re.finditer(r"\$(scope|upscope|var|timescale)\b(.*?)\$end", header, re.S):
        kind, words = m.group(1), m.group(2).split()
        if kind == "scope" and len(words) >= 2:
            scope.append(words[1])
        elif kind == "upscope" and scope:
            scope.pop()
        elif kind == "timescale":
            wave.timescale = "".join(words)
        elif kind == "var" and len(words) >= 4:
            code, name = words[2], ".".join([*scope[1:], words[3]])  # drop the top scope (the testbench)
            if name in seen:  # the same name twice (Verilator: $rootio and the design's own scope): keep one
                continue
            seen.add(name)
            if code not in wave.names:
                wave.names[code], wave.widths[code] = name, int(words[1]) if words[1].isdigit() else 1
                wave.changes[code] = []
    tokens = iter(body.split())
    for token in tokens:
        if token.startswith("#"):
            now = int(token[1:]) if token[1:].isdigit() else now
            wave.end_time = now
        elif token[0] in "bBrR":  # a vector or real value: its id code is the next token
            code = next(tokens, "")
            if code in wave.changes:
                wave.changes[code].append((now, token[1:].lower()))
        elif token[0] in "01xzXZ" and token[1:] in wave.changes:
            wave.changes[token[1:]].append((now, token[0].lower()))
    return wave


def _show(value: str, width: int) -> str:
    if width == 1 or not value or any(c in value for c in "xz"):
        return value or "x"
    return f"{int(value, 2):#x}"


def pick_signals(wave: Waveform, max_signals: int, prefer: tuple[str, ...] = ()) -> list[str]:
    """Codes of up to `max_signals` signals that change: names matching `prefer` first, then shallow names."""
    ranked = sorted(wave.names, key=lambda c: (not any(p in wave.names[c] for p in prefer), wave.names[c].count("."),
                                              wave.names[c]))
    return [c for c in ranked if wave.changes.get(c)][:max_signals]


def table_around(wave: Waveform, time: int | None, *, rows: int = 8, max_signals: int = 12,
                 prefer: tuple[str, ...] = ()) -> str:
    """The values of up to `max_signals` signals at the last `rows` change times up to `time` (default: the end)."""
    time = wave.end_time if time is None else time
    codes = pick_signals(wave, max_signals, prefer)
    moments = sorted({t for c in codes for t, _ in wave.changes[c] if t <= time})[-rows:]
    if not codes or not moments:
        return ""
    header = ["time", *(wave.names[c] for c in codes)]
    lines = [header] + [[str(t), *(_show(wave.value_at(c, t), wave.widths[c]) for c in codes)] for t in moments]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in lines)


_MISMATCH_TIME = re.compile(r"[Ff]irst mismatch occurred at time (\d+)")


def first_mismatch_time(messages: list[str]) -> int | None:
    """VerilogEval's `Hint: ... First mismatch occurred at time N.`; None when no message says."""
    times = [int(m.group(1)) for msg in messages for m in [_MISMATCH_TIME.search(msg)] if m]
    return min(times) if times else None
