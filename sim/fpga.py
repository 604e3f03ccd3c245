"""An FPGA view of a design's cost: iCE40 resources from `synth_ice40` (or ECP5's from `synth_ecp5`), and a
placed-and-routed Fmax.

Why iCE40: its whole open flow is in Debian (yosys `synth_ice40`, `nextpnr-ice40` with the icestorm chip
database), so a cost and a clock come from real place and route on any CI machine with no vendor tool.
The LUT4/DFF/MAC16/RAM40_4K counts are an estimate of area, not a sign-off for another FPGA.
ECP5 (`--fpga ecp5`): yosys 0.23's `synth_ecp5` maps to LUT4s, TRELLIS_FFs, MULT18X18D DSPs and DP16KD block
RAMs, a larger family with real multipliers and 18 Kbit RAMs; its Fmax needs nextpnr-ecp5 (see fpga_ecp5.py).

Fmax: the design's ports would need more pins than the small iCE40 packages have, so it is placed inside
a harness: every input is fed from a shift chain of flip-flops, every output is captured in flip-flops
and shifted out, and all clock inputs share one clock. Every timed path is then register to register
through the design, and nextpnr's report gives the clock's achieved frequency. The UP5K (8 DSPs, 30 block
RAMs, 5280 LUTs) is used when the design fits it; otherwise the HX8K (7680 LUTs, multipliers in LUTs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aigchip.sim import params, process, tools
from aigchip.sim.types import Design

HARNESS_TOP = "aigchip_fmax_harness"
_CLOCK_PINS = ("C", "CLK", "RCLK", "WCLK", "CLKA", "CLKB", "CLK0", "CLK1", "CLK2", "CLK3")  # iCE40 and ECP5 cells
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
UP5K = {"luts": 5280, "dsps": 8, "brams": 30}
HX8K = {"luts": 7680, "brams": 32}


def ice40_figures(stat: dict[str, Any]) -> dict[str, Any]:
    """LUTs, flip-flops (every SB_DFF variant), DSPs, block RAMs and carry cells from `stat -json`."""
    design: dict[str, Any] = stat.get("design") or next(iter(stat.get("modules", {}).values()), {})
    by_type: dict[str, int] = design.get("num_cells_by_type", {})
    return {"luts": by_type.get("SB_LUT4", 0),
            "fpga_ffs": sum(c for k, c in by_type.items() if k.startswith("SB_DFF")),
            "dsps": by_type.get("SB_MAC16", 0), "brams": by_type.get("SB_RAM40_4K", 0),
            "carries": by_type.get("SB_CARRY", 0), "fpga": "ice40"}


def ecp5_figures(stat: dict[str, Any]) -> dict[str, Any]:
    """ECP5 resources from `stat -json` after `synth_ecp5`, in the same keys as iCE40's: LUT4s, flip-flops
    (TRELLIS_FF), DSPs (MULT18X18D multipliers and ALU54B adders), block RAMs (DP16KD), carry cells (CCU2C, two
    LUT4s' worth of adder each), and `lutrams` (TRELLIS_DPR16X4 distributed RAM)."""
    design: dict[str, Any] = stat.get("design") or next(iter(stat.get("modules", {}).values()), {})
    by_type: dict[str, int] = design.get("num_cells_by_type", {})
    return {"luts": by_type.get("LUT4", 0), "fpga_ffs": by_type.get("TRELLIS_FF", 0),
            "dsps": by_type.get("MULT18X18D", 0) + by_type.get("ALU54B", 0), "brams": by_type.get("DP16KD", 0),
            "carries": by_type.get("CCU2C", 0), "lutrams": by_type.get("TRELLIS_DPR16X4", 0), "fpga": "ecp5"}


def clock_ports(netlist: dict[str, Any], top: str) -> list[str]:
    """Inputs of `top` that reach a flip-flop's, RAM's or DSP's clock pin in a mapped netlist."""
    module = netlist.get("modules", {}).get(top) or {}
    clocked = {bit for cell in module.get("cells", {}).values()
               for pin, bits in cell.get("connections", {}).items() if pin in _CLOCK_PINS for bit in bits}
    return [name for name, port in module.get("ports", {}).items()
            if port.get("direction") == "input" and clocked & set(port.get("bits", []))]


def harness(netlist: dict[str, Any], top: str) -> str:
    """Verilog of the Fmax harness around `top`; raises ValueError for a port it cannot wire."""
    ports = (netlist.get("modules", {}).get(top) or {}).get("ports", {})
    clocks = set(clock_ports(netlist, top))
    inputs = [(n, len(p["bits"])) for n, p in ports.items() if p["direction"] == "input" and n not in clocks]
    outputs = [(n, len(p["bits"])) for n, p in ports.items() if p["direction"] == "output"]
    for name, port in ports.items():
        if port["direction"] not in ("input", "output"):
            raise ValueError(f"port `{name}` is {port['direction']}: the Fmax harness wires inputs and outputs only")
        if not _IDENT.match(name):
            raise ValueError(f"port `{name}` is not a plain identifier")
    if not outputs:
        raise ValueError("the design has no outputs")
    n_in, n_out = sum(w for _, w in inputs), sum(w for _, w in outputs)
    lines = [f"module {HARNESS_TOP}(input clk, input din, input load, output dout);"]
    connections = [f".{name}(clk)" for name in sorted(clocks)]
    if n_in:
        shift = "din" if n_in == 1 else f"{{ins[{n_in - 2}:0], din}}"
        lines += [f"  reg [{n_in - 1}:0] ins;", f"  always @(posedge clk) ins <= {shift};"]
    at = 0
    for name, width in inputs:
        connections.append(f".{name}(ins[{at + width - 1}:{at}])")
        at += width
    shift_out = "1'b0" if n_out == 1 else f"{{caps[{n_out - 2}:0], 1'b0}}"
    lines += [f"  wire [{n_out - 1}:0] outs;", f"  reg [{n_out - 1}:0] caps;",
              f"  always @(posedge clk) caps <= load ? outs : {shift_out};", f"  assign dout = caps[{n_out - 1}];"]
    at = 0
    for name, width in outputs:
        connections.append(f".{name}(outs[{at + width - 1}:{at}])")
        at += width
    lines += [f"  {top} dut({', '.join(connections)});", "endmodule", ""]
    return "\n".join(lines)


def pick_device(cost: dict[str, Any]) -> tuple[str, list[str], list[str]] | None:
    """(name, nextpnr flags, synth_ice40 flags) of the smallest iCE40 the design fits, or None."""
    luts, dsps, brams = cost.get("luts", 0), cost.get("dsps", 0), cost.get("brams", 0)
    if luts <= UP5K["luts"] * 0.9 and dsps <= UP5K["dsps"] and brams <= UP5K["brams"]:
        return "iCE40UP5K", ["--up5k", "--package", "sg48"], ["-dsp"]
    if luts + 60 * dsps <= HX8K["luts"] * 0.9 and brams <= HX8K["brams"]:
        return "iCE40HX8K", ["--hx8k", "--package", "ct256"], []
    return None


def fmax(design: Design, sources: list[str], mapped_netlist: dict[str, Any], cost: dict[str, Any], run_dir: Path,
         *, timeout: float, notes: list[str], used: dict[str, str], parameters: params.Parameters = ()) -> dict[str, Any]:
    """Place and route the design in its harness; {"fmax_mhz", "fmax_device"} or {} with a note saying why."""
    nextpnr = tools.find("nextpnr-ice40")
    used["nextpnr-ice40"] = nextpnr.version
    device = pick_device(cost)
    if device is None:
        notes.append("no Fmax: the design does not fit the largest iCE40 aigchip places (HX8K)")
        return {}
    name, pnr_flags, synth_flags = device
    if not synth_harness(design, sources, mapped_netlist, run_dir, " ".join(["synth_ice40", *synth_flags]),
                         timeout=timeout, notes=notes, parameters=parameters):
        return {}
    routed = process.run([nextpnr.path, *pnr_flags, "--json", "fmax_net.json", "--report", "fmax_report.json",
                          "--timing-allow-fail", "--seed", "1", "-q"], cwd=run_dir, timeout=timeout,
                         log_path=run_dir / "nextpnr.log")
    return routed_fmax(run_dir, routed, "nextpnr-ice40", name, notes)


def synth_harness(design: Design, sources: list[str], mapped_netlist: dict[str, Any], run_dir: Path, synth: str,
                  *, timeout: float, notes: list[str], parameters: params.Parameters = ()) -> bool:
    """The design in its register harness (fmax_harness.v), mapped by the yosys command `synth` (its -top
    added) into fmax_net.json for nextpnr; False with a note saying why not (iCE40's and ECP5's Fmax)."""
    try:
        (run_dir / "fmax_harness.v").write_text(harness(mapped_netlist, design.top), encoding="utf-8")
    except (ValueError, KeyError) as exc:
        notes.append(f"no Fmax: {exc}")
        return False
    yosys = tools.find("yosys")
    chparam = "".join(f"{step}; " for step in params.yosys_chparam(design.top, parameters))
    script = (f"read_verilog -sv {' '.join(sources)} fmax_harness.v; {chparam}hierarchy -top {HARNESS_TOP}; "
              f"{synth} -top {HARNESS_TOP}; write_json fmax_net.json")
    mapped = process.run([yosys.path, "-q", "-p", script], cwd=run_dir, timeout=timeout, log_path=run_dir / "fmax_yosys.log")
    if not mapped.ok:
        notes.append("no Fmax: synthesis of the harness failed: " + process.cap_text(mapped.output, 200, 200).strip())
        return False
    return True


def routed_fmax(run_dir: Path, routed: process.ProcessResult, tool: str, device: str, notes: list[str]) -> dict[str, Any]:
    """{"fmax_mhz", "fmax_device"} from nextpnr's report, or {} with a note saying why there is none; raises
    tools.ToolMissing when `tool` did not start."""
    if routed.start_error:
        raise tools.ToolMissing(tool, routed.start_error)
    achieved = report_fmax(run_dir / "fmax_report.json")
    if achieved is None:
        why = "timed out" if routed.timed_out else process.cap_text(routed.output, 200, 200).strip()
        notes.append(f"no Fmax: {tool} did not place and route the design on the {device}: {why}")
        return {}
    return {"fmax_mhz": achieved, "fmax_device": device}


def report_fmax(path: Path) -> float | None:
    """The slowest clock's achieved frequency (MHz) in a nextpnr `--report` JSON file."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    achieved = [float(v["achieved"]) for v in (report.get("fmax") or {}).values()
                if isinstance(v, dict) and "achieved" in v]
    return round(min(achieved), 2) if achieved else None
