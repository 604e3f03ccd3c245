"""The waveform of a chat version: read once (aigchip.waveview chooses the window and the rows), drawn as a
self-contained SVG (the terminal writes a file, the page shows it and asks for other spans to zoom and pan),
and saved as a GTKWave save file so the same view opens in GTKWave."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aigchip import interface, waveview
from aigchip.sim import vcd
from aigchip.sim.types import Verdict

MAX_SEGMENTS = 2000  # changes drawn per signal at most
MAX_SVG_BYTES = 2 * 1024 * 1024  # the whole picture stays under this
PLOT_W, ROW_H, AXIS_H, PAD = 900, 24, 52, 8
_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # never allowed in XML 1.0
_FONT = 'font-family="monospace" font-size="11"'


@dataclass
class WaveView:
    """A version's waveform, read once, with what is known of its design and its failure."""
    wave: vcd.Waveform
    ports: interface.Interface | None
    top: str | None
    focus: int | None
    focus_label: str

    def window(self, *, start: int | None = None, end: int | None = None, internals: bool = False) -> waveview.Window:
        return waveview.window(self.wave, interface=self.ports, top=self.top, focus=self.focus,
                               focus_label=self.focus_label, internals=internals, start=start, end=end)


def open_view(vcd_path: str | Path, files: dict[str, str], top: str | None, verdict: dict[str, Any] | Verdict) -> WaveView:
    """The view of a kept VCD; OSError or ValueError when it cannot be read."""
    wave = vcd.read(vcd_path)
    verdict = verdict if isinstance(verdict, Verdict) else Verdict.model_validate(verdict)
    ports = interface.of_design(files, top) if top else None
    return WaveView(wave, ports, top, *waveview.focus_of(wave, verdict))


def view_of(session_folder: Path, version: Any) -> WaveView | None:
    """A chat version's kept waveform, read; None when it has none. chat.json names only files inside the
    session's folder: anything else is not read."""
    if version is None or not version.waves:
        return None
    folder = Path(session_folder).resolve()
    path = (folder / version.waves).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    return open_view(path, version.files, version.top, version.verdict)


@dataclass
class WavePictures:
    svg: Path | None
    gtkw: Path | None
    table: str
    signals: int  # rows drawn in the picture
    end_time: int
    timescale: str
    error: str = ""


def _text(s: str, limit: int = 0) -> str:
    """`s` safe as XML text (and inside double-quoted attributes); the tail kept when longer than `limit`."""
    s = _BAD_XML.sub("?", s)
    if limit and len(s) > limit:
        s = "\u2026" + s[-(limit - 1):]
    return escape(s, {'"': "&quot;"})


def _step(span: float, most: int = 8) -> float:
    """A round step (1, 2, 5, 10, ...) that cuts `span` into at most `most` pieces."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            if span / (m * scale) <= most:
                return m * scale
        scale *= 10


def _empty(message: str, title: str) -> str:
    head = f'<text x="{PAD}" y="18" {_FONT} font-weight="bold">{_text(title, 120)}</text>' if title else ""
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="360" height="56" viewBox="0 0 360 56">'
            f'<rect width="100%" height="100%" fill="#fff"/>{head}'
            f'<text x="{PAD}" y="40" {_FONT} fill="#666">{_text(message)}</text></svg>')


def _segments(span: waveview.Window, trace: waveview.Trace) -> list[tuple[int, int, str]]:
    """(from, to, value) pieces of one signal inside the window, the value in force at its start first."""
    changes = span.wave.changes.get(trace.key, [])
    pieces: list[tuple[int, int, str]] = []
    value, since = "x", span.start
    for time, new in changes:
        if time <= span.start:
            value = new
            continue
        if time > span.end:
            break
        pieces.append((since, time, value))
        value, since = new, time
    pieces.append((since, span.end, value))
    return [p for p in pieces if p[1] > p[0]]


def _row(span: waveview.Window, trace: waveview.Trace, top: float, x_of, budget: int) -> list[str]:
    """The drawing of one signal's row: at most MAX_SEGMENTS segments and about `budget` bytes."""
    pieces = _segments(span, trace)
    hi, lo, mid = top + 4, top + ROW_H - 5, top + (ROW_H - 1) / 2
    parts: list[str] = []
    steps: list[str] = []
    used = drawn = 0
    for t0, t1, value in pieces:
        if drawn >= MAX_SEGMENTS or used > budget:
            break
        drawn += 1
        x0, x1 = x_of(t0), x_of(t1)
        if x1 - x0 < 0.05:
            continue  # a zero-time glitch
        label = trace.show(value)
        if trace.width == 1 and label in ("0", "1"):
            y = hi if label == "1" else lo
            steps.append(f"M{x0:.1f} {y:.1f}H{x1:.1f}" if not steps else f"L{x0:.1f} {y:.1f}H{x1:.1f}")
            used += len(steps[-1])
        elif trace.width == 1:  # x or z: a coloured middle line
            colour = "#d00" if label != "z" else "#c80"
            parts.append(f'<path d="M{x0:.1f} {mid:.1f}H{x1:.1f}" stroke="{colour}" stroke-width="2"/>')
            if steps:
                parts.append(f'<path d="{"".join(steps)}" fill="none" stroke="#080" stroke-width="1.5"/>')
                steps = []
            used += len(parts[-1])
        else:
            fill, stroke = {"x": ("#fdd", "#d00"), "z": ("#fec", "#c80")}.get(label, ("#efe", "#080"))
            d, before = min(3.0, (x1 - x0) / 2), len(parts)
            parts.append(f'<polygon points="{x0:.1f},{mid:.1f} {x0 + d:.1f},{hi:.1f} {x1 - d:.1f},{hi:.1f} {x1:.1f},'
                         f'{mid:.1f} {x1 - d:.1f},{lo:.1f} {x0 + d:.1f},{lo:.1f}" fill="{fill}" stroke="{stroke}"/>')
            if x1 - x0 >= 7 * len(label) + 6:
                parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{mid + 4:.1f}" text-anchor="middle" {_FONT}>'
                             f'{_text(label)}</text>')
            used += sum(len(p.encode()) for p in parts[before:])
    if steps:
        parts.append(f'<path d="{"".join(steps)}" fill="none" stroke="#080" stroke-width="1.5"/>')
    if drawn < len(pieces):
        parts.append(f'<text x="{x_of(span.end) - 2:.1f}" y="{mid + 4:.1f}" text-anchor="end" {_FONT} fill="#a00">'
                     f'\u2026truncated ({drawn} of {len(pieces)} changes drawn: zoom in)</text>')
    return parts


def _label_width(span: waveview.Window) -> int:
    return 7 * min(28, max((len(t.name) for t in span.traces), default=4)) + 2 * PAD


def plot_area(span: waveview.Window) -> dict[str, float]:
    """Where the time axis lies across the picture, as fractions of its width (for zooming at the pointer)."""
    label_w = _label_width(span)
    width = label_w + PLOT_W + 5 * PAD
    return {"left": label_w / width, "width": PLOT_W / width}


def render_svg(span: waveview.Window, *, title: str = "") -> str:
    """A self-contained SVG of the window: a row per signal (names at left, ports first), time in the file's
    unit and clock cycle numbers on top, the failure marked with a red line."""
    rows = span.traces
    if not rows or not any(span.wave.changes.get(t.key) for t in rows):
        return _empty("no signal changes recorded", title)
    label_w = _label_width(span)
    width, height = label_w + PLOT_W + 5 * PAD, AXIS_H + ROW_H * len(rows) + PAD  # room for the last tick's label
    length = max(span.end - span.start, 1)
    x_of = lambda t: label_w + PLOT_W * (min(max(t, span.start), span.end) - span.start) / length  # noqa: E731
    unit = span.wave.unit or "ticks"
    said = span.describe()
    cycles = f", cycles {said['first_cycle']}\u2013{said['last_cycle']}" if said["first_cycle"] is not None else ""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
           '<rect width="100%" height="100%" fill="#fff"/>',
           f'<text x="{PAD}" y="14" {_FONT} font-weight="bold">{_text(title + "   " if title else "", 100)}'
           f'<tspan font-weight="normal" fill="#444">{_text(span.time_text(span.start))} \u2013 '
           f'{_text(span.time_text(span.end))}{cycles}</tspan></text>']
    for i, trace in enumerate(rows):  # row backgrounds and names, then the grid over them, then the signals
        top = AXIS_H + ROW_H * i
        fill = "#f6f6f6" if i % 2 else "#fff"
        weight = ' font-weight="bold"' if trace.port else ""
        colour = "#1d2330" if trace.port else "#6b7280"
        out.append(f'<rect x="0" y="{top}" width="{width}" height="{ROW_H}" fill="{fill}"/>'
                   f'<g><title>{_text(trace.path, 200)}</title><text x="{label_w - PAD}" y="{top + ROW_H / 2 + 4:.0f}" '
                   f'text-anchor="end" {_FONT}{weight} fill="{colour}">{_text(trace.name, 28)}</text></g>')
    step = _step(length * span.wave.factor) / max(span.wave.factor, 1)
    tick = (span.start // step + 1) * step if span.start % step else span.start
    while tick <= span.end:
        x = x_of(tick)
        out.append(f'<path d="M{x:.1f} {AXIS_H - 6}V{height - PAD}" stroke="#e3e3e3"/>'
                   f'<text x="{x:.1f}" y="{AXIS_H - 24}" text-anchor="middle" {_FONT} fill="#444">'
                   f'{_text(f"{tick * span.wave.factor:g}")}</text>')
        tick += step
    out.append(f'<text x="{label_w - PAD}" y="{AXIS_H - 24}" text-anchor="end" {_FONT} fill="#444">{_text(unit)}</text>')
    inside = [t for t in span.edges if span.start <= t <= span.end]
    if inside:
        every = max(1, int(_step(len(inside), most=max(1, PLOT_W // 28))))
        out.append(f'<text x="{label_w - PAD}" y="{AXIS_H - 9}" text-anchor="end" {_FONT} fill="#2557d6">cycle</text>')
        for edge in inside:
            number = span.cycle_at(edge)
            if number is not None and number % every == 0:
                out.append(f'<text x="{x_of(edge):.1f}" y="{AXIS_H - 9}" text-anchor="middle" {_FONT} fill="#2557d6">'
                           f'{number}</text>')
    budget = (MAX_SVG_BYTES - 64 * 1024) // len(rows)  # bytes each row may use; names and axes fit in the rest
    for i, trace in enumerate(rows):
        out.extend(_row(span, trace, AXIS_H + ROW_H * i, x_of, budget))
    if span.focus is not None and span.start <= span.focus <= span.end:
        x = x_of(span.focus)
        out.append(f'<path d="M{x:.1f} {AXIS_H - 4}V{height - PAD}" stroke="#d00" stroke-width="1.5" '
                   f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="{height - 1}" {_FONT} fill="#d00">'
                   f'{_text(span.focus_label or "failure")} ({_text(span.time_text(span.focus))})</text>')
    out.append("</svg>")
    return "\n".join(out)


def write_pictures(view: WaveView, vcd_path: Path, out_dir: Path, *, stem: str = "waves",
                   title: str = "") -> WavePictures:
    """`<stem>.svg` (the first window), `<stem>.gtkw` (the same view for GTKWave) and the window's table;
    problems go in `error`, never raised."""
    span = view.window()
    pictures = WavePictures(None, None, "", len(span.traces), view.wave.end_time, view.wave.timescale)
    try:
        pictures.table = span.table()
        out_dir.mkdir(parents=True, exist_ok=True)
        svg = out_dir / f"{stem}.svg"
        svg.write_text(render_svg(span, title=title or Path(vcd_path).name), encoding="utf-8")
        pictures.svg = svg
        pictures.gtkw = waveview.write_gtkw(span, vcd_path, out_dir / f"{stem}.gtkw", title=title)
    except Exception as e:  # noqa: BLE001 - a picture is a nicety; the chat goes on without it
        pictures.error = f"could not draw waveform {vcd_path}: {type(e).__name__}: {e}"
    return pictures


def keep_waves(verdict: Verdict, files: dict[str, str], top: str, session_folder: Path,
               version_folder: str) -> tuple[str | None, str | None, str | None]:
    """Copy the VCD of the check that gave `verdict` beside its version and draw it: the kept VCD, picture and
    GTKWave save file, relative to the session folder (None for what there is not)."""
    if not verdict.waveform or not Path(verdict.waveform).is_file():
        return None, None, None
    folder = session_folder / version_folder
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(verdict.waveform, folder / "waves.vcd")
    try:
        view = open_view(folder / "waves.vcd", files, top, verdict)
    except (OSError, ValueError):
        return f"{version_folder}/waves.vcd", None, None
    pictures = write_pictures(view, folder / "waves.vcd", folder, title=top)
    return (f"{version_folder}/waves.vcd", f"{version_folder}/waves.svg" if pictures.svg else None,
            f"{version_folder}/waves.gtkw" if pictures.gtkw else None)
