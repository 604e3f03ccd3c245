"""A waveform picture (a self-contained SVG) from a VCD, for chat: the terminal writes a file, the web shows it inline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from aigchip.sim import vcd

MAX_SEGMENTS = 2000  # changes drawn per signal at most
MAX_SVG_BYTES = 2 * 1024 * 1024  # the whole picture stays under this
PLOT_W, ROW_H, AXIS_H, PAD = 900, 26, 40, 8
_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # never allowed in XML 1.0
_FONT = 'font-family="monospace" font-size="11"'


@dataclass
class WavePictures:
    svg: Path | None
    table: str
    signals: int  # signals drawn in the picture
    end_time: int
    timescale: str
    error: str = ""


def _text(s: str, limit: int = 0) -> str:
    """`s` safe as XML text (and inside double-quoted attributes); the tail kept when longer than `limit`."""
    s = _BAD_XML.sub("?", s)
    if limit and len(s) > limit:
        s = "\u2026" + s[-(limit - 1):]
    return escape(s, {'"': "&quot;"})


def _label(value: str, width: int) -> str:
    if any(c in value for c in "xz") or not value:
        return "z" if value and set(value) == {"z"} else "x"
    try:
        return vcd._show(value, width)
    except ValueError:  # a real number or junk: shown as written
        return value


def _ticks(span: int) -> list[int]:
    """Times for up to 9 tick labels, a round step apart (1, 2, 5, 10, 20, ...)."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            if span / (m * scale) <= 8:
                return list(range(0, span + 1, m * scale))
        scale *= 10


def _empty(message: str, title: str) -> str:
    head = f'<text x="{PAD}" y="18" {_FONT} font-weight="bold">{_text(title, 120)}</text>' if title else ""
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="360" height="56" viewBox="0 0 360 56">'
            f'<rect width="100%" height="100%" fill="#fff"/>{head}'
            f'<text x="{PAD}" y="40" {_FONT} fill="#666">{_text(message)}</text></svg>')


def _row(wave: vcd.Waveform, code: str, top: float, x_of, t_max: int, budget: int) -> list[str]:
    """The drawing of one signal's row: at most MAX_SEGMENTS segments and about `budget` bytes."""
    changes, width = wave.changes[code], wave.widths.get(code, 1)
    hi, lo, mid = top + 4, top + ROW_H - 6, top + (ROW_H - 2) / 2
    parts: list[str] = []
    path: list[str] = []
    used, drawn = 0, 0
    for i, (t0, dumped) in enumerate(changes):
        if drawn >= MAX_SEGMENTS or used > budget:
            break
        drawn += 1
        value = dumped[-1:] if width == 1 else dumped  # a 1-bit signal dumped as b01
        t1 = changes[i + 1][0] if i + 1 < len(changes) else t_max
        x0, x1 = x_of(t0), x_of(t1)
        if x1 - x0 < 0.05:
            continue  # a zero-time glitch
        if width == 1 and value in ("0", "1"):
            y = hi if value == "1" else lo
            piece = f"M{x0:.1f} {y:.1f}" if not path or path[-1].startswith("!") else f"V{y:.1f}"
            path.append(f"{piece}H{x1:.1f}")
            used += len(path[-1])  # ASCII
        elif width == 1:  # x or z: a coloured middle line, the step line broken
            colour = "#d00" if value != "z" else "#c80"
            parts.append(f'<path d="M{x0:.1f} {mid:.1f}H{x1:.1f}" stroke="{colour}" stroke-width="2"/>')
            path.append("!")
            used += len(parts[-1])  # ASCII
        else:
            label = _label(value, width)
            fill, stroke = {"x": ("#fdd", "#d00"), "z": ("#fec", "#c80")}.get(label, ("#efe", "#080"))
            d, before = min(3.0, (x1 - x0) / 2), len(parts)
            parts.append(f'<polygon points="{x0:.1f},{mid:.1f} {x0 + d:.1f},{hi:.1f} {x1 - d:.1f},{hi:.1f} {x1:.1f},'
                         f'{mid:.1f} {x1 - d:.1f},{lo:.1f} {x0 + d:.1f},{lo:.1f}" fill="{fill}" stroke="{stroke}"/>')
            if x1 - x0 >= 7 * len(label) + 6:
                parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{mid + 4:.1f}" text-anchor="middle" {_FONT}>'
                             f'{_text(label)}</text>')
            used += sum(len(p.encode()) for p in parts[before:])  # bytes: a label may not be ASCII
    steps = "".join(p for p in path if p != "!")
    if steps:
        parts.append(f'<path d="{steps}" fill="none" stroke="#080" stroke-width="1.5"/>')
    if drawn < len(changes):
        parts.append(f'<text x="{x_of(t_max) - 2:.1f}" y="{mid + 4:.1f}" text-anchor="end" {_FONT} fill="#a00">'
                     f'\u2026truncated ({drawn} of {len(changes)} changes drawn)</text>')
    return parts


def render_svg(wave: vcd.Waveform, *, max_signals: int = 16, prefer: tuple[str, ...] = (), title: str = "") -> str:
    """A self-contained SVG of the waveform: one row per signal, names at left, time axis on top."""
    codes = vcd.pick_signals(wave, max_signals, tuple(prefer))
    if not codes:
        return _empty("no signal changes recorded", title)
    names = [wave.names[c] for c in codes]
    label_w = 7 * min(32, max(len(n) for n in names)) + 2 * PAD
    span = max(wave.end_time, 1)
    t_max = span + max(1, span // 20)  # room to see the final values
    x_of = lambda t: label_w + PLOT_W * min(t, t_max) / t_max  # noqa: E731
    width, height = label_w + PLOT_W + PAD, AXIS_H + ROW_H * len(codes) + PAD
    head = f"{title}   " if title else ""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
           '<rect width="100%" height="100%" fill="#fff"/>',
           f'<text x="{PAD}" y="14" {_FONT} font-weight="bold">{_text(head, 100)}'
           f'<tspan font-weight="normal" fill="#666">timescale {_text(wave.timescale or "?", 20)}, '
           f'end {wave.end_time}</tspan></text>']
    for i, name in enumerate(names):  # row backgrounds and names, then the time grid over them, then the signals
        top = AXIS_H + ROW_H * i
        fill = "#f6f6f6" if i % 2 else "#fff"
        out.append(f'<rect x="0" y="{top}" width="{width}" height="{ROW_H}" fill="{fill}"/>'
                   f'<g><title>{_text(name, 200)}</title><text x="{label_w - PAD}" y="{top + ROW_H / 2 + 3:.0f}" '
                   f'text-anchor="end" {_FONT}>{_text(name, 32)}</text></g>')
    for t in _ticks(span):
        x = x_of(t)
        out.append(f'<path d="M{x:.1f} {AXIS_H - 8}V{height - PAD}" stroke="#ddd"/>'
                   f'<text x="{x:.1f}" y="{AXIS_H - 11}" text-anchor="middle" {_FONT} fill="#444">{t}</text>')
    budget = (MAX_SVG_BYTES - 64 * 1024) // len(codes)  # bytes each row may use; names and axis fit in the rest
    for i, code in enumerate(codes):
        out.extend(_row(wave, code, AXIS_H + ROW_H * i, x_of, t_max, budget))
    out.append("</svg>")
    return "\n".join(out)


def write_pictures(vcd_path: str | Path, out_dir: str | Path, *, prefer: tuple[str, ...] = (),
                   stem: str = "waves") -> WavePictures:
    """`<out_dir>/<stem>.svg` and a text table of the last changes; problems go in `error`, never raised."""
    try:
        wave = vcd.read(vcd_path)
    except (OSError, ValueError, UnicodeError) as e:
        return WavePictures(None, "", 0, 0, "", error=f"could not read waveform {vcd_path}: {e}")
    pictures = WavePictures(None, "", len(vcd.pick_signals(wave, 16, tuple(prefer))), wave.end_time, wave.timescale)
    try:
        pictures.table = vcd.table_around(wave, None, rows=12, prefer=tuple(prefer))
        svg = Path(out_dir) / f"{stem}.svg"
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(render_svg(wave, prefer=tuple(prefer), title=Path(vcd_path).name), encoding="utf-8")
        pictures.svg = svg
    except Exception as e:  # noqa: BLE001 - a picture is a nicety; the chat goes on without it
        pictures.error = f"could not draw waveform {vcd_path}: {type(e).__name__}: {e}"
    return pictures
