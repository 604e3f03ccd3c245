"""A window of a waveform that a designer (or the model) can read: the design's ports first (clock, resets,
handshakes, then data in declaration order), internal signals only on request, a span of clock cycles
around the first failure (or the last cycles of the run) with cycle numbers and times in the file's unit,
signed ports in signed decimal. The same window is what the table, the picture and the GTKWave save file show.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from aigchip.interface import Interface
from aigchip.interface import role as name_role
from aigchip.sim.types import Verdict
from aigchip.sim.vcd import Waveform, first_mismatch_time

CYCLES_BEFORE, CYCLES_AFTER, LAST_CYCLES = 10, 4, 16
PORT_ORDER = ("clock", "reset", "handshake", "input", "output", "inout", "port")
_INSTANCE = re.compile(r"^(?:dut|uut|i_dut|u_dut|top_module\d*|inst|u0)$", re.I)
_TESTBENCH = re.compile(r"_ref$|_dut$|^ref_|expected|^exp_|golden|mismatch", re.I)  # VerilogEval's tb wires
_LIVELY = re.compile(r"state|fsm|count|cnt|ptr|addr|idx|busy|done|phase|acc", re.I)


@dataclass(frozen=True)
class Trace:
    key: str  # the signal's key in Waveform
    name: str  # as shown: the hierarchical name below the design (or the testbench)
    path: str  # the full name a waveform viewer knows
    width: int
    role: str  # clock, reset, handshake, input, output, inout, port (direction unknown), testbench, internal,
    # outside (the testbench's other signals)
    port: bool
    signed: bool = False

    def show(self, value: str) -> str:
        return show_value(value, self.width, self.signed)


def show_value(value: str, width: int, signed: bool = False) -> str:
    """A value as a designer reads it: 0/1 for a bit, decimal for a bus (signed decimal for a signed one;
    hex above 32 bits), x or z when every bit is, the bits when only some are."""
    if not value:
        return "x"
    if any(c in value for c in "xzXZ"):
        bits = set(value.lower())
        return "z" if bits == {"z"} else "x" if bits <= {"x"} or len(value) == 1 else f"b{value.lower()}"
    if width == 1 or not set(value) <= {"0", "1"}:
        return value[-1:] if width == 1 and set(value) <= {"0", "1"} else value
    number = int(value, 2)
    if signed and len(value) >= width and value[0] == "1":
        number -= 1 << width
        return str(number)
    return str(number) if width <= 32 else f"0x{number:x}"


@dataclass
class Window:
    """A span of the run (in file ticks) and the signals shown over it."""
    wave: Waveform
    traces: list[Trace]
    start: int
    end: int
    clock: Trace | None = None
    edges: list[int] = field(default_factory=list)  # every rising edge of the clock in the whole run
    focus: int | None = None  # the moment the window is about (the first failure), in ticks
    focus_label: str = ""
    hidden: int = 0  # signals left out (internal ones, the testbench's own)

    def cycles(self, first: int, last: int) -> Window:
        """The same signals over clock cycles `first` to `last` (clamped to the run); ValueError with no clock."""
        if not self.edges:
            raise ValueError("this waveform has no clock, so it has no cycles to pick")
        first, last = sorted((max(0, first), max(0, last)))
        first, last = min(first, len(self.edges) - 1), min(last, len(self.edges) - 1)
        period = (self.edges[-1] - self.edges[0]) // max(1, len(self.edges) - 1)
        start = max(0, self.edges[first] - period // 2)
        end = max(start + 1, self.edges[last] + max(1, period // 2))
        return Window(self.wave, self.traces, start, end, self.clock, self.edges, self.focus, self.focus_label,
                      self.hidden)

    def cycle_at(self, time: int) -> int | None:
        """The number of the clock cycle `time` falls in: the last rising edge at or before it (from 0)."""
        if not self.edges:
            return None
        return max(0, bisect.bisect_right(self.edges, time) - 1)

    def time_text(self, ticks: int) -> str:
        unit = self.wave.unit
        return f"{ticks * self.wave.factor} {unit}" if unit else str(ticks)

    def moments(self, limit: int = 40) -> list[int]:
        """Times of the rows of the table: the rising edges in the window (or, with no clock, the change times)."""
        if self.edges:
            inside = [t for t in self.edges if self.start <= t <= self.end]
        else:
            inside = sorted({t for tr in self.traces for t, _ in self.wave.changes.get(tr.key, [])
                             if self.start <= t <= self.end})
        if len(inside) <= limit:
            return inside
        if self.focus is None:
            return inside[-limit:]
        at = bisect.bisect_left(inside, self.focus)
        first = max(0, min(at - limit + CYCLES_AFTER + 1, len(inside) - limit))
        return inside[first:first + limit]

    def sample(self, trace: Trace, time: int) -> str:
        """The value just before `time` when it is a clock edge (what the flip-flops take), else at `time`."""
        changes = self.wave.changes.get(trace.key, [])
        times = [t for t, _ in changes]
        at = (bisect.bisect_left(times, time) if self.edges else bisect.bisect_right(times, time)) - 1
        return changes[at][1] if at >= 0 else "x"

    def table(self, *, rows: int = 20, max_signals: int = 16) -> str:
        """One row per clock cycle (or change) in the window, ports first; the failure's row marked."""
        shown = [t for t in self.traces if t.role != "clock"][:max_signals]
        moments = self.moments(rows)
        if not shown or not moments:
            return ""
        mark = None
        if self.focus is not None:  # the row holding the values in effect when it failed
            if self.edges:  # rows hold what was there just before their edge
                mark = moments[min(len(moments) - 1, bisect.bisect_left(moments, self.focus))]
            else:  # rows hold what came at their time
                mark = moments[max(0, bisect.bisect_right(moments, self.focus) - 1)]
        header = (["cycle"] if self.edges else []) + [f"time ({self.wave.unit or 'ticks'})"] + [t.name for t in shown]
        lines = [header]
        for time in moments:
            row = ([str(self.cycle_at(time))] if self.edges else []) + [str(time * self.wave.factor)]
            row += [t.show(self.sample(t, time)) for t in shown]
            lines.append(row + (["<- " + (self.focus_label or "here")] if time == mark else []))
        widths = [max(len(r[i]) for r in lines if i < len(r)) for i in range(len(header))]
        text = "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) + ("  " + r[-1] if len(r) > len(header) else "")
                         for r in lines)
        how = f"values just before each rising edge of {self.clock.name}" if self.clock else "values after each change"
        more = f"; {self.hidden} other signals not shown" if self.hidden else ""
        return f"({how}{more})\n{text}"

    def describe(self) -> dict[str, object]:
        """What the page says about the picture: the visible span, its cycles and its rows."""
        inside = [t for t in self.edges if self.start <= t <= self.end]
        first, last = (self.cycle_at(inside[0]), self.cycle_at(inside[-1])) if inside else (None, None)
        return {"start": self.start, "end": self.end, "unit": self.wave.unit or "ticks", "factor": self.wave.factor,
                "start_text": self.time_text(self.start), "end_text": self.time_text(self.end),
                "first_cycle": first, "last_cycle": last, "run_end": self.wave.end_time,
                "rows": [t.name for t in self.traces], "hidden": self.hidden,
                "focus": self.focus, "focus_label": self.focus_label,
                "clock": self.clock.name if self.clock else None}


def focus_of(wave: Waveform, verdict: Verdict) -> tuple[int | None, str]:
    """The moment a verdict's failure happened, in the waveform's ticks, and words for it: the first failing
    cocotb test's stop time, else a testbench's "first mismatch" hint; (None, "") for a run that passed."""
    if verdict.passed:
        return None, ""
    if verdict.failure_time_ns is not None:
        return wave.ticks(verdict.failure_time_ns, "ns"), "first failing test stopped here"
    hinted = first_mismatch_time([d.message for d in verdict.diagnostics])
    return (hinted, "first mismatch") if hinted is not None else (None, "")


def traces(wave: Waveform, interface: Interface | None = None, top: str | None = None) -> list[Trace]:
    """Every signal worth a row, ordered: the design's ports (clock, resets, handshakes, inputs, outputs),
    then the testbench's reference signals, then internal signals (handshakes, resets and state first)."""
    scope = _design_scope(wave, interface, top)
    declared = {p.name: p for p in interface.ports} if interface is not None else {}
    clocks = set(interface.clocks) if interface is not None else set()
    resets = {r["name"] for r in interface.resets} if interface is not None else set()
    handshakes = {h.name for h in interface.handshakes} if interface is not None else set()
    found: list[tuple[tuple, Trace]] = []
    for order, (key, name) in enumerate(wave.names.items()):
        parent, _, leaf = name.rpartition(".")
        width = wave.widths.get(key, 1)
        if parent == scope and (leaf in declared or not declared):
            port = declared.get(leaf)
            role = ("clock" if port and leaf in clocks else
                    "reset" if port and leaf in resets else
                    "handshake" if port and leaf in handshakes else
                    port.direction if port else name_role(leaf, width) or "port")
            rank: tuple[int, ...] = (0, PORT_ORDER.index(role), list(declared).index(leaf) if port else order)
            found.append((rank, Trace(key, _short(name, scope), wave.paths.get(key, name), width, role, True,
                                      bool(port and port.signed))))
            continue
        if not wave.changes.get(key):
            continue
        inside = scope == "" or name.startswith(scope + ".")
        if not inside:  # the testbench's own signals: its reference outputs are worth a row, the rest on request
            role = "testbench" if _TESTBENCH.search(leaf) else "outside"
            found.append(((1 if role == "testbench" else 3, 0, order),
                          Trace(key, name, wave.paths.get(key, name), width, role, False)))
        else:
            kind = name_role(leaf, width)
            depth = _short(name, scope).count(".")
            rank = (2, depth, 0 if kind in ("reset", "handshake") else 1 if _LIVELY.search(leaf) else 2, order)
            found.append((rank, Trace(key, _short(name, scope), wave.paths.get(key, name), width, "internal", False)))
    return [trace for _, trace in sorted(found, key=lambda item: item[0])]


def _short(name: str, scope: str) -> str:
    return name[len(scope) + 1:] if scope and name.startswith(scope + ".") else name


def _design_scope(wave: Waveform, interface: Interface | None, top: str | None) -> str:
    """The scope the design's ports live in ("" for the top scope): where most of the interface's port names
    are, or the instance named after the design (dut, uut, the top module's name)."""
    scopes: dict[str, set[str]] = {}
    for name in wave.names.values():
        parent, _, leaf = name.rpartition(".")
        scopes.setdefault(parent, set()).add(leaf)
    ports = {p.name for p in interface.ports} if interface is not None else set()

    def named(scope: str) -> bool:
        last = scope.rpartition(".")[2]
        return bool(last) and (last == top or bool(_INSTANCE.match(last)))

    def score(scope: str) -> tuple:
        return (len(ports & scopes[scope]), named(scope), -scope.count("."), scope == "")
    best = max(scopes, key=score, default="")
    if ports and not ports & scopes.get(best, set()):
        return ""
    return best


def window(wave: Waveform, *, interface: Interface | None = None, top: str | None = None,
           focus: int | None = None, focus_label: str = "", internals: bool = False,
           start: int | None = None, end: int | None = None, before: int = CYCLES_BEFORE,
           after: int = CYCLES_AFTER, last: int = LAST_CYCLES, fill_to: int = 0) -> Window:
    """The window a person first sees: `before` cycles up to `focus` and `after` beyond it, else the last
    `last` cycles; `start`/`end` (ticks) choose the span instead (zoom and pan). Internal signals are shown
    with `internals`, or, with `fill_to`, the first of them up to that many rows."""
    everything = traces(wave, interface, top)
    always = [t for t in everything if t.port or t.role == "testbench" or (t.role == "internal" and "." not in t.name
              and name_role(t.name, t.width) in ("reset", "handshake"))]
    chosen = everything if internals else always
    if fill_to > len(chosen) and not internals:
        room = fill_to - len(chosen)
        chosen = chosen + [t for t in everything if t.role == "internal" and t not in chosen][:room]
    clock = next((t for t in chosen if t.role == "clock"), None)
    if clock is None:
        clock = next((t for t in everything if t.width == 1 and name_role(t.name.rpartition(".")[2]) == "clock"), None)
        if clock is not None and clock not in chosen:
            chosen = [clock, *chosen]
    edges = _rising_edges(wave, clock.key) if clock is not None else []
    if focus is not None and not 0 <= focus <= max(wave.end_time, focus):
        focus = None
    span = Window(wave, chosen, 0, wave.end_time, clock, edges, focus, focus_label, len(everything) - len(chosen))
    if start is not None or end is not None:
        span.start, span.end = _clamped(wave, start, end)
        return span
    marks = edges or sorted({t for tr in chosen for t, _ in wave.changes.get(tr.key, [])})
    if not marks:
        return span
    period = (edges[-1] - edges[0]) // max(1, len(edges) - 1) if len(edges) > 1 else 0
    if focus is not None:
        at = bisect.bisect_right(marks, focus) - 1
        first, final = max(0, at - before), min(len(marks) - 1, max(at, 0) + after)
    else:
        first, final = max(0, len(marks) - last), len(marks) - 1
    span.start = max(0, marks[first] - period // 2)
    span.end = min(max(wave.end_time, marks[final]), marks[final] + max(period // 2, 1))
    if focus is None and final == len(marks) - 1:
        span.end = max(span.end, wave.end_time)
    if span.end <= span.start:
        span.end = span.start + max(1, period)
    return span


def _clamped(wave: Waveform, start: int | None, end: int | None) -> tuple[int, int]:
    limit = max(wave.end_time, 1)
    start = 0 if start is None else max(0, min(int(start), limit - 1))
    end = limit if end is None else max(start + 1, min(int(end), limit + limit // 4 + 1))
    return start, end


def _rising_edges(wave: Waveform, key: str) -> list[int]:
    changes = wave.changes.get(key, [])
    edges, before = [], "x"
    for time, value in changes:
        bit = value[-1:]
        if bit == "1" and before != "1" and (time > 0 or before != "x"):
            edges.append(time)
        before = bit
    return edges


def write_gtkw(span: Window, vcd_path: str | Path, out_path: str | Path, *, title: str = "") -> Path:
    """A GTKWave save file that opens `vcd_path` on the same signals (ports first, signed ones as signed),
    the same span and a marker at the failure: `gtkwave waves.vcd waves.gtkw`."""
    from vcd.gtkw import GTKWSave

    out_path = Path(out_path)
    with out_path.open("w", encoding="utf-8") as f:
        save = GTKWSave(f)
        save.comment(f"aigchip: {title or Path(vcd_path).name}", "open with: gtkwave " + f"{Path(vcd_path).name} {out_path.name}")
        save.dumpfile(str(Path(vcd_path).name), abspath=False)
        save.savefile(out_path.name, abspath=False)
        save.size(1500, 700)  # the zoom below assumes a wave pane about 1200 pixels wide
        save.timestart(span.start)
        pixels = 1200  # about the width of GTKWave's wave pane
        zoom = -math.log2(max(span.end - span.start, 1) / pixels)
        save.zoom_markers(zoom, span.focus if span.focus is not None else -1)
        save.signals_width(max([len(t.name) for t in span.traces] + [12]) * 9 + 20)
        scope = span.traces[0].path.rpartition(".")[0] if span.traces else ""
        if scope:
            save.treeopen(scope)
        groups = (("ports", [t for t in span.traces if t.port]), ("testbench", [t for t in span.traces if t.role == "testbench"]),
                  ("internal", [t for t in span.traces if t.role == "internal"]))
        ranges = declared_ranges(vcd_path)
        for label, members in groups:
            if not members:
                continue
            with save.group(label):
                for trace in members:
                    fmt = "bin" if trace.width == 1 else "signed" if trace.signed else "dec" if trace.width <= 32 else "hex"
                    # GTKWave (3.3.118, Debian's) knows a vector by its name and declared range: top.dut.q[7:0]
                    name = trace.path + (ranges.get(trace.path, f"[{trace.width - 1}:0]") if trace.width > 1 else "")
                    save.trace(name, alias=trace.name if trace.name != trace.path else None, datafmt=fmt)
    return out_path


_HEADER_BYTES = 4 * 1024 * 1024
_DECLARATION = re.compile(r"\$(scope|upscope|var)\b(.*?)\$end", re.S)


def declared_ranges(vcd_path: str | Path) -> dict[str, str]:
    """Each vector's range as the VCD declares it (`[7:0]`, `[0:7]`), by full name: wellen does not keep it,
    and a waveform viewer's save file must name it. Only the header is read."""
    try:
        with open(vcd_path, "rb") as f:
            head = f.read(_HEADER_BYTES).decode("utf-8", "replace").split("$enddefinitions", 1)[0]
    except OSError:
        return {}
    scope: list[str] = []
    ranges: dict[str, str] = {}
    for kind, body in _DECLARATION.findall(head):
        words = body.split()
        if kind == "scope" and len(words) >= 2:
            scope.append(words[1])
        elif kind == "upscope" and scope:
            scope.pop()
        elif kind == "var" and len(words) >= 5 and words[4].startswith("["):
            ranges[".".join([*scope, words[3]])] = "".join(words[4:])
    return ranges
