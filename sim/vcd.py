"""A VCD waveform read with wellen (the `pywellen` package: the parser behind the Surfer viewer) into plain
Python: each signal's name, width and value changes, and the file's timescale.

Values are kept as VCD writes them: bit strings ("101", "x1z0") for wires and vectors, decimal text for reals.
Windows, tables and pictures of a waveform for people and models are built from this elsewhere
(aigchip.waveview); this module only reads.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 64 * 1024 * 1024  # a waveform bigger than this is read only up to here
_UNIT_EXPONENT = {"s": 0, "ms": -3, "us": -6, "ns": -9, "ps": -12, "fs": -15}


@dataclass
class Waveform:
    timescale: str = ""  # as the file says it: "1ns", "10ps"
    names: dict[str, str] = field(default_factory=dict)  # signal key to hierarchical name (top scope dropped)
    widths: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # key to (time, value), in order
    end_time: int = 0
    paths: dict[str, str] = field(default_factory=dict)  # key to the full name a viewer knows (top scope kept)
    truncated: bool = False  # only the first MAX_BYTES of the file were read

    def value_at(self, code: str, time: int) -> str:
        value = "x"
        for when, new in self.changes.get(code, []):
            if when > time:
                break
            value = new
        return value

    @property
    def unit(self) -> str:
        """The unit one tick of the file's time stands for ("ns" for 1ns, "ps" for 10ps)."""
        match = re.fullmatch(r"\s*(\d+)\s*([munpf]?s)\s*", self.timescale)
        return match.group(2) if match else ""

    @property
    def factor(self) -> int:
        """How many `unit`s one tick is (10 for 10ps)."""
        match = re.fullmatch(r"\s*(\d+)\s*([munpf]?s)\s*", self.timescale)
        return int(match.group(1)) if match else 1

    def ticks(self, amount: float, unit: str) -> int:
        """`amount` of `unit` (ns, ps, ...) in this file's ticks; `amount` itself when the file has no timescale."""
        if not self.unit or unit not in _UNIT_EXPONENT:
            return int(amount)
        scale = 10.0 ** (_UNIT_EXPONENT[unit] - _UNIT_EXPONENT[self.unit]) / self.factor
        return round(amount * scale)


def read(path: str | Path, max_bytes: int = MAX_BYTES) -> Waveform:
    """The waveform in a VCD file; OSError when it cannot be read, ValueError when it is not a VCD."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        with tempfile.TemporaryDirectory(prefix="aigchip-vcd-") as scratch:
            head = Path(scratch) / "head.vcd"
            _copy_head(path, head, max_bytes)
            wave = _read(head)
        wave.truncated = True
        return wave
    return _read(path)


def _copy_head(source: Path, target: Path, limit: int) -> None:
    """The first `limit` bytes of `source`, cut back to the last whole line."""
    with source.open("rb") as src:
        head = src.read(limit)
    target.write_bytes(head[:head.rfind(b"\n") + 1])


def _read(path: Path) -> Waveform:
    try:
        import pywellen
    except ImportError as exc:  # a broken install: say what to install
        raise OSError("reading waveforms needs the pywellen package (pip install pywellen)") from exc
    try:
        return _convert(pywellen.Waveform(str(path)))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # noqa: BLE001 - wellen reports a malformed file as an exception or a Rust panic
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path.name} is not a readable VCD: {first[:300]}") from None


def _convert(source) -> Waveform:
    wave = Waveform(timescale=str(source.timescale) if source.timescale is not None else "")
    seen: set[str] = set()
    for number, var in enumerate(source.all_vars()):
        full = var.full_name
        name = full.split(".", 1)[1] if "." in full else full
        if name in seen:  # the same name twice (Verilator: $rootio and the design's own scope): keep one
            continue
        seen.add(name)
        key = str(number)
        real = var.is_real
        width = var.bitwidth or (64 if real else 1)
        wave.names[key], wave.widths[key], wave.paths[key] = name, width, full
        if real:
            wave.changes[key] = [(t, v.lower() if v.__class__ is str else repr(float(v))) for t, v in var.signal]
        else:  # wellen gives a known value as an int, one with x or z bits as their text
            wave.changes[key] = [(t, v.lower() if v.__class__ is str else format(v, "b")) for t, v in var.signal]
        if wave.changes[key]:
            wave.end_time = max(wave.end_time, wave.changes[key][-1][0])
    return wave


_MISMATCH_TIME = re.compile(r"[Ff]irst mismatch occurred at time (\d+)")


def first_mismatch_time(messages: list[str]) -> int | None:
    """VerilogEval's `Hint: ... First mismatch occurred at time N.`; None when no message says."""
    times = [int(m.group(1)) for msg in messages for m in [_MISMATCH_TIME.search(msg)] if m]
    return min(times) if times else None
