"""What a passing accelerator costs: cycles per job measured in its system test, and cells from synthesis.

Cycles come from a waveform of the system test (Icarus): the plan's `job.done` condition on the top's ports
is evaluated just before every rising edge; `cycles_per_job` is the span from the first job's start (or the
first completion) to the last completion over the jobs completed, `latency_cycles` the mean cycles from a
job's start to its completion when the plan says how a job starts. Cells: yosys `synth` (generic cells, the
hierarchy kept) and `stat`, per module and for the whole design.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from aigchip.accel import waves
from aigchip.accel.modules import Workshop
from aigchip.record import Record, check_options, recorded_design
from aigchip.sim import synth, tools
from aigchip.sim.check import VerifyOptions, verify
from aigchip.sim.types import Design

FPGA_FIGURES = ("fpga", "luts", "fpga_ffs", "dsps", "brams", "carries", "fmax_mhz", "fmax_device")
_GUESSES = ("out_valid && out_ready", "m_valid && m_ready", "valid_out && ready_out", "out_valid", "valid_out",
            "done", "m_valid")


def measure(ws: Workshop, *, fpga: str | None = None, fmax: bool = False) -> dict[str, Any]:
    """The cost of the top's verified design; fields are absent when they cannot be measured (and
    `notes` says why). `fpga` ("ice40" or "ecp5") adds the mapped LUTs, flip-flops, DSPs and block RAMs, `fmax` an Fmax
    from place and route."""
    folder = ws.folder(ws.plan.top)

    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    record = Record(folder, ws.plan.top, meta, "pass")
    design = recorded_design(record)
    cost: dict[str, Any] = {"notes": []}
    if design is None:
        cost["notes"].append("the top's design files are missing")
        return cost
    from concurrent.futures import ThreadPoolExecutor

    timing_notes: list[str] = []
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="aigchip-cost") as pool:  # simulator and yosys at once
        timing = pool.submit(cycles, ws, design, check_options(record, "icarus"), timing_notes)
        area = cells(design, [m.name for m in ws.plan.modules], cost["notes"], fpga=fpga, fmax=fmax)
        cost.update(timing.result())
    cost.update(area)
    cost["notes"] = timing_notes + cost["notes"]
    return cost


def cycles(ws: Workshop, design: Design, options: VerifyOptions, notes: list[str]) -> dict[str, Any]:
    if options.tests is None and not options.testbench:
        notes.append("no system test to measure cycles in")
        return {}
    with tempfile.TemporaryDirectory(prefix="aigchip-cost-") as keep:
        verdict = verify(design, options.model_copy(update={"waves": True, "keep_dir": Path(keep), "use_cache": False,
                                                            "lint": False}))
        if not verdict.waveform:
            notes.append(f"the system test gave no waveform ({verdict.status})")
            return {}
        wave = waves.read(verdict.waveform)
    clock = waves.find_clock(wave, ws.plan.clock)
    if clock is None:
        notes.append(f"no clock `{ws.plan.clock}` in the waveform")
        return {}
    return job_cycles(wave, clock, ws.plan.job.done if ws.plan.job else None,
                      ws.plan.job.start if ws.plan.job else None, notes)


def job_cycles(wave: Any, clock: str, done: str | None, start: str | None, notes: list[str]) -> dict[str, Any]:
    cycles = waves.Cycles(wave, clock)
    names = waves.codes_by_name(wave)
    top_ports = {n for n in names if "." not in n}
    if done is None:
        done = next((g for g in _GUESSES if set(waves.Condition(g).names) <= top_ports), None)
        if done is None:
            notes.append("the plan does not say when a job is done (job.done)")
            return {}
        notes.append(f"a job counted as done when {done} (guessed: the plan gives no job.done)")
    try:
        conditions = {"done": waves.Condition(done), **({"start": waves.Condition(start)} if start else {})}
    except ValueError as exc:
        notes.append(str(exc))
        return {}
    missing = sorted({n for c in conditions.values() for n in c.names} - top_ports)
    if missing:
        notes.append(f"job conditions name signals the top does not have: {', '.join(missing)}")
        return {}
    sampled = {n: cycles.sample(names[n]) for c in conditions.values() for n in c.names}
    hits = {kind: [k for k in range(len(cycles.edges)) if cond({n: sampled[n][k] for n in cond.names})]
            for kind, cond in conditions.items()}
    finished = hits["done"]
    if not finished:
        notes.append("no job completed in the system test")
        return {"jobs": 0}
    first = hits["start"][0] if hits.get("start") else finished[0]
    span = finished[-1] - first + (1 if hits.get("start") else 0)
    jobs = len(finished) if hits.get("start") else max(len(finished) - 1, 1)
    found: dict[str, Any] = {"jobs": len(finished), "cycles": span, "cycles_per_job": round(span / jobs, 2),
                             "test_cycles": len(cycles.edges)}
    gaps = [b - a for a, b in itertools.pairwise(finished)]
    if gaps:
        found["best_interval_cycles"] = min(gaps)
    if hits.get("start"):
        pairs = list(zip(hits["start"], finished))
        found["latency_cycles"] = round(sum(d - s for s, d in pairs) / len(pairs), 2)
    return found


def cells(design: Design, plan_modules: list[str], notes: list[str], timeout: float = 300.0, *,
          fpga: str | None = None, fmax: bool = False) -> dict[str, Any]:
    """Generic cells and flip-flops per module (one instance's own logic, children not counted), how many
    instances the design has of it, and the whole design's (synthesis is sim/synth.py's); with `fpga`, the
    design's mapped figures too, and with `fmax` its Fmax."""
    if not tools.available("yosys"):
        notes.append("yosys is not installed: no cell counts")
        return {}
    try:
        report = synth.synthesize(design, fpga=fpga or ("ice40" if fmax else None), fmax=fmax, timeout=timeout)
    except tools.ToolMissing as exc:
        notes.append(f"no synthesis figures: {exc}")
        return {}
    if not report.ok:
        notes.extend(report.notes)
        return {}
    per_module = {name: {"cells": row["cells"], "ffs": row["ffs"], "instances": 0}
                  for name, row in report.modules.items()}
    uses = {name: {c: n for c, n in row["children"].items() if c in plan_modules}
            for name, row in report.modules.items()}
    _count_instances(design.top, 1, uses, per_module)
    notes.extend(report.notes)
    mapped = {k: report.cost[k] for k in FPGA_FIGURES if report.cost.get(k) is not None}
    used = ", ".join(f"{tool} {version}" for tool, version in report.tools.items())
    return {"cells": report.cost["cells"], "ffs": report.cost["ffs"], "modules": per_module, **mapped,
            "synthesis": f"{used}: synth (generic cells)"
                         + (f", synth_{mapped['fpga']}" + (" -dsp" if mapped["fpga"] == "ice40" else "") if mapped.get("fpga") else "")
                         + (f", nextpnr-{mapped.get('fpga')} place and route" if "fmax_mhz" in mapped else "")}


def _count_instances(name: str, times: int, uses: dict[str, dict[str, int]],
                     per_module: dict[str, dict[str, int]]) -> None:
    if name in per_module:
        per_module[name]["instances"] += times
    for child, count in uses.get(name, {}).items():
        _count_instances(child, times * count, uses, per_module)
