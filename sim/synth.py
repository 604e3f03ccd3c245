"""What a design costs in hardware, and what synthesis says about it (yosys, through `process.run`).

One yosys run elaborates the design, synthesizes it to generic cells (`synth`, the hierarchy kept, so
per-module figures stay available) and, when an FPGA is named, maps the flattened design to that FPGA
(`synth_ice40` or `synth_ecp5`: LUTs, flip-flops, DSPs, block RAMs; see `fpga.py`). Figures come from `stat -json` and
`write_json`, read as JSON; the designer's warnings (latches, combinational loops, multiple drivers,
undriven signals, outputs optimized to a constant) come from the `proc` and `check` passes and become
`Diagnostic`s.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from aigchip.sim import params, process, tools
from aigchip.sim.types import Design, Diagnostic, Severity

VERILOG_SUFFIXES = (".v", ".sv")
FPGAS = ("ice40", "ecp5")  # FPGA families yosys maps to here (synth_ice40 -dsp, synth_ecp5)
_FLOP = re.compile(r"DFF|SR_", re.I)
_LATCH_CELL = re.compile(r"DLATCH", re.I)
# `$proc$alu.v:12$3`, `$and$alu.v:5$7`, `$dlatch$alu.v:2$2`: yosys names cells after their source line
_SOURCE_IN_NAME = re.compile(r"\$([^$:\s]+\.s?v):(\d+)")
_LATCH = re.compile(r"^Latch inferred for signal `\\?([^']+)' from process `([^']+)'", re.M)
_DRIVERS = re.compile(r"^Warning: multiple conflicting drivers for (\S+?)\.\\?(\S+?)(?: \[\d+\])?:\n((?:    .*\n?)+)", re.M)
_BIT_INDEX = re.compile(r"\s?\[\d+\]")
_UNDRIVEN = re.compile(r"^Warning: (?:Wire|wire) (\S+?)\.\\?(\S+?)(?: \[(\d+)\])? is used but has no driver", re.M)
_LOOP = re.compile(r"^Warning: found logic loop in module (\S+):\n((?:    .*\n?)+)", re.M)
_LOOP_PART = re.compile(r"^    (cell|wire) (\S+)", re.M)


class SynthReport(BaseModel):
    """Figures and warnings from one synthesis of a design. `cost` holds only what was measured."""

    cost: dict[str, Any] = Field(default_factory=dict)  # cells, ffs, luts, dsps, brams, carries, fmax_mhz
    modules: dict[str, dict[str, Any]] = Field(default_factory=dict)  # module -> own cells, ffs, children (generic synth)
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    tools: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)  # why a figure is missing
    log: str = ""
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return "cells" in self.cost


def synthesize(design: Design, *, fpga: str | None = "ice40", fmax: bool = False, timeout: float = 300.0,
               run_dir: Path | None = None, parameters: params.Parameters = ()) -> SynthReport:
    """Synthesize `design` (with the top's `parameters` set); raises tools.ToolMissing when yosys (or nextpnr
    for `fmax`) is missing. A design yosys cannot read gives a report with no figures, a note and a diagnostic,
    never an exception."""
    yosys = tools.find("yosys")
    if fpga is not None and fpga not in FPGAS:
        raise ValueError(f"unknown FPGA family {fpga!r}: aigchip maps to {' or '.join(FPGAS)}")
    if run_dir is None:
        with process.RunFolder(prefix="aigchip-synth-") as folder:
            return synthesize(design, fpga=fpga, fmax=fmax, timeout=timeout, run_dir=folder.path,
                              parameters=parameters)
    names = [_write(run_dir, name, text) for name, text in design.files.items()]
    sources = [n for n in names if n.endswith(VERILOG_SUFFIXES)]
    result = process.run([yosys.path, "-q", "-p", _script(sources, design.top, fpga, parameters)], cwd=run_dir, timeout=timeout,
                         log_path=run_dir / "yosys.log")
    if result.start_error:
        raise tools.ToolMissing("yosys", result.start_error)
    report = SynthReport(tools={"yosys": yosys.version}, log=process.cap_text(result.output, 3000, 3000),
                         duration_s=round(result.duration_s, 3))
    generic = _read_json(run_dir / "generic_stat.json")
    if generic is None:
        why = "yosys timed out" if result.timed_out else "yosys could not synthesize the design"
        excerpt = _first_error(result.output)
        report.notes.append(f"{why}: {excerpt}" if excerpt else why)
        report.diagnostics.append(Diagnostic(message=report.notes[-1], severity=Severity.WARNING, source="yosys",
                                             code="synth-failed"))
        return report
    report.cost.update(generic_figures(generic))
    report.modules = module_figures(generic)
    report.diagnostics += diagnostics_from_logs(_read_text(run_dir / "proc.txt"), _read_text(run_dir / "check.txt"))
    netlist = _read_json(run_dir / "generic_net.json")
    if netlist is not None:
        report.diagnostics += constant_outputs(netlist, design.top)
    if fpga is not None:
        from aigchip.sim import fpga as fpga_map

        mapped = _read_json(run_dir / f"{fpga}_stat.json")
        if mapped is None:
            report.notes.append(f"synth_{fpga} did not finish: " + (_first_error(result.output) or "no statistics"))
        else:
            report.cost.update(fpga_map.ice40_figures(mapped) if fpga == "ice40" else fpga_map.ecp5_figures(mapped))
            if fmax:
                net = _read_json(run_dir / f"{fpga}_net.json") or {}
                place = fpga_map.fmax if fpga == "ice40" else _ecp5_fmax()
                report.cost.update(place(design, sources, net, report.cost, run_dir, timeout=timeout,
                                         notes=report.notes, used=report.tools, parameters=parameters))
    return report


def _script(sources: list[str], top: str, fpga: str | None, parameters: params.Parameters = ()) -> str:
    """Generic synthesis first, on the design as read (saving a copy to come back to changes abc's choices,
    and the cells recorded in AccelBench came from a plain `synth`), then the design read again for checks on
    the flattened netlist and the FPGA mapping."""
    read = [f"read_verilog -sv {' '.join(sources)}", *params.yosys_chparam(top, parameters),
            f"hierarchy -check -top {top}"]
    steps = [*read, "tee -q -o proc.txt proc", f"synth -top {top}", "tee -q -o generic_stat.json stat -json",
             "write_json generic_net.json", "design -reset", *read, "proc", "flatten", "opt_clean",
             "tee -q -o check.txt check"]
    if fpga is not None:
        steps += [f"synth_{fpga} -top {top}" + (" -dsp" if fpga == "ice40" else ""),
                  f"tee -q -o {fpga}_stat.json stat -json", f"write_json {fpga}_net.json"]
    return "; ".join(steps)


def _ecp5_fmax() -> Any:
    from aigchip.sim import fpga_ecp5

    return fpga_ecp5.fmax


def _write(run_dir: Path, name: str, text: str) -> str:
    safe = process.safe_name(name)
    (run_dir / safe).write_text(text, encoding="utf-8")
    return safe


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _read_json(path: Path) -> dict[str, Any] | None:
    text = _read_text(path)
    if not text:
        return None
    try:
        return stat_json(text)
    except ValueError:
        return None


def stat_json(text: str) -> dict[str, Any]:
    """yosys 0.23 writes the hierarchy's `name count` lines into `stat -json` output: drop them."""
    kept = [line for line in text.splitlines() if not line.strip() or line.strip()[0] in '{}[]"']
    return json.loads("\n".join(kept))


def _first_error(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("ERROR") or "error" in line.lower():
            return line.strip()[:300]
    return ""


def generic_figures(stat: dict[str, Any]) -> dict[str, int]:
    """The whole design's generic cell and flip-flop counts from `stat -json` after `synth`."""
    design: dict[str, Any] = stat.get("design") or next(iter(stat.get("modules", {}).values()), {})
    by_type = design.get("num_cells_by_type", {})
    figures = {"cells": int(design.get("num_cells", 0)), "ffs": sum(c for k, c in by_type.items() if _FLOP.search(k))}
    latches = sum(c for k, c in by_type.items() if _LATCH_CELL.search(k))
    largest = dict(sorted(((module_name(k), int(c)) for k, c in by_type.items()), key=lambda kc: -kc[1])[:6])
    return {**figures, **({"latches": latches} if latches else {}), "cell_types": largest}


def module_figures(stat: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per module: its own cells (child instances not counted) and flip-flops, and the children it uses."""
    raw_modules = stat.get("modules", {})
    names = {module_name(raw) for raw in raw_modules}
    found: dict[str, dict[str, Any]] = {}
    for raw, figures in raw_modules.items():
        name = module_name(raw)
        by_type = figures.get("num_cells_by_type", {})
        children = {module_name(k): c for k, c in by_type.items() if module_name(k) in names}
        row = found.setdefault(name, {"cells": 0, "ffs": 0, "children": {}})
        row["cells"] = max(row["cells"], int(figures.get("num_cells", 0)) - sum(children.values()))
        row["ffs"] = max(row["ffs"], sum(c for k, c in by_type.items() if _FLOP.search(k)))
        for child, count in children.items():
            row["children"][child] = row["children"].get(child, 0) + count
    return found


def module_name(raw: str) -> str:
    """`\\pe` or `$paramod\\pe\\W=8` as `pe`."""
    raw = raw.lstrip("\\")
    if raw.startswith("$paramod"):
        parts = [p for p in raw.split("\\") if p]
        return parts[1] if len(parts) > 1 else raw
    return raw


def _where(text: str) -> dict[str, Any]:
    m = _SOURCE_IN_NAME.search(text)
    return {"file": m.group(1), "line": int(m.group(2))} if m else {}


def _plain(name: str) -> str:
    return name.replace("\\", "")


def diagnostics_from_logs(proc_log: str, check_log: str) -> list[Diagnostic]:
    """Latches (from `proc`), multiple drivers, undriven signals and logic loops (from `check` on the
    flattened design), one diagnostic per signal or loop."""
    found: list[Diagnostic] = []
    for m in _LATCH.finditer(proc_log):
        module, _, signal = _plain(m.group(1)).partition(".")
        found.append(Diagnostic(
            message=f"a latch is inferred for `{signal}` in module {module}: it is not assigned on every path "
                    "through a combinational always block (assign it a default first, or make it a register)",
            severity=Severity.WARNING, code="latch", source="yosys", **_where(m.group(2))))
    clashes: dict[tuple[str, str], dict[str, None]] = {}
    for m in _DRIVERS.finditer(check_log):
        drivers = clashes.setdefault((_plain(m.group(1)), _plain(m.group(2))), {})
        for line in m.group(3).splitlines():
            drivers[_BIT_INDEX.sub("", _plain(line.strip()))] = None
    for (module, net), drivers in clashes.items():
        where = next((_where(d) for d in drivers if _where(d)), {})
        found.append(Diagnostic(
            message=f"multiple conflicting drivers in module {module}: the net `{net}` is driven by "
                    f"{'; '.join(drivers)} (a signal assigned in two places: two assigns, or an assign and an "
                    "always block, or two always blocks)", severity=Severity.ERROR, code="multiple-drivers",
            source="yosys", **where))
    undriven: dict[tuple[str, str], list[str]] = {}
    for m in _UNDRIVEN.finditer(check_log):
        undriven.setdefault((_plain(m.group(1)), _plain(m.group(2))), []).append(m.group(3) or "")
    for (module, signal), bits in undriven.items():
        numbered = sorted({b for b in bits if b}, key=int)
        which = f" (bit{'s' if len(numbered) > 1 else ''} {', '.join(numbered)})" if numbered else ""
        found.append(Diagnostic(message=f"`{signal}`{which} is used but nothing drives it in module {module}",
                                severity=Severity.WARNING, code="undriven", source="yosys"))
    loops: set[tuple[str, ...]] = set()
    for m in _LOOP.finditer(check_log):
        wires = tuple(sorted({_plain(n) for kind, n in _LOOP_PART.findall(m.group(2))
                              if kind == "wire" and not n.startswith("$")}))
        cells = [n for kind, n in _LOOP_PART.findall(m.group(2)) if kind == "cell"]
        key = wires or tuple(cells)
        if key in loops:
            continue
        loops.add(key)
        through = f" through {', '.join(f'`{w}`' for w in wires)}" if wires else ""
        lines = sorted({(w["file"], w["line"]) for w in map(_where, cells) if w})
        at = f" (logic at {', '.join(f'{f}:{n}' for f, n in lines)})" if lines else ""
        found.append(Diagnostic(
            message=f"combinational loop in module {_plain(m.group(1))}{through}{at}: a signal depends on itself "
                    "with no register in between", severity=Severity.ERROR, code="comb-loop", source="yosys",
            **({"file": lines[0][0], "line": lines[0][1]} if lines else {})))
    return found


def constant_outputs(netlist: dict[str, Any], top: str) -> list[Diagnostic]:
    """Outputs of the top that synthesis reduced to constants: the logic meant to drive them is gone."""
    module = netlist.get("modules", {}).get(top) or {}
    found = []
    for name, port in module.get("ports", {}).items():
        bits = port.get("bits", [])
        if port.get("direction") != "output" or not bits or not all(isinstance(b, str) for b in bits):
            continue
        value = "".join(reversed(bits))
        shown = f"{len(bits)}'b{value}" if len(bits) > 1 else value
        found.append(Diagnostic(
            message=f"output `{name}` is the constant {shown} after synthesis: the logic that should drive it "
                    "was optimized away (it does not depend on any input or register)",
            severity=Severity.WARNING, code="constant-output", source="yosys"))
    return found
