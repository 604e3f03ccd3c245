"""Unbounded sequential equivalence: the miter as an AIGER circuit, proven by ABC's PDR (IC3).

Where the bounded check from reset finds no difference and temporal induction does not close (state the
outputs do not show, an unreachable state that breaks induction), PDR looks for an inductive invariant of
the reachable states; it answers with a proof, a counterexample, or runs out of time.

How the designs become a two-valued AIGER circuit, and why that is sound:
- The miter is built without `-ignore_gold_x`: its `$eqx` against a constant x would otherwise become a
  free input below and could hide a real difference.
- Every x constant and undriven net (in either design, and those techmap leaves, e.g. an out-of-range
  `$shiftx`) becomes a free input (`$anyseq`), fresh each cycle: the design must match the reference for
  every value an x can take. An x in the reference is thus not a don't-care here; a difference that rests
  on it is caught by the replay below, which then leaves the answer `unknown`.
- State starts as today's bounded check assumes: registers at their declared initial value, else zero
  (`setundef -zero -init`, then `write_aiger -zinit`), and a wrapper forces the reset input active in the
  first cycle only (a register that has never been clocked drives it).
- A design's own `assume`/`assert` statements are removed: an assume would narrow the inputs the proof
  covers, and simulation ignores both.
- Every flip-flop steps once per AIGER frame, as in yosys's `sat -seq`.
A counterexample is inputs per cycle; it counts only after Icarus, replaying it on both designs, shows an
output the reference drives to 0 or 1 and the design does not match. Every tool runs through
`process.run` (the sandbox).
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aigchip.sim import params, process, tools
from aigchip.sim.equiv_cex import Counterexample, replay_testbench
from aigchip.sim.synth import VERILOG_SUFFIXES
from aigchip.sim.types import Design

PLAIN = "aigchip_plain"  # the two-valued miter's module name (no -ignore_gold_x)
WRAPPER = "aigchip_pdr"
_STARTED = "aigchip_started"
_STEP = "aigchip_step"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_CEX_BIT = re.compile(r"^pi(\d+)@(\d+)=([01x])$", re.M)
_MAP_INPUT = re.compile(r"^input (\d+) (\d+) (\S+)$", re.M)
_PRINTED = re.compile(r"^cycle (\d+) (.*)$", re.M)


@dataclass
class Outcome:
    result: Literal["equivalent", "not_equivalent", "unknown"]
    reason: str = ""
    counterexample: Counterexample | None = None
    frames: int | None = None  # the counterexample's length (cycles from reset)
    abc_version: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step: aiger, pdr, replay


def plain_miter_commands(gold: str, gate: str) -> list[str]:
    """yosys commands (after the two designs are loaded as `gold` and `gate`) that write the two-valued
    miter to plain.il for `prove`."""
    return [f"miter -equiv -flatten {gold} {gate} {PLAIN}", "write_rtlil plain.il", f"delete {PLAIN}"]


def wrapper(inputs: dict[str, int], reset: str | None, active_low: bool) -> str:
    """A top around the plain miter that holds the reset input active in the first cycle."""
    ports = [f"input [{w - 1}:0] in_{n}" for n, w in inputs.items()]
    links = []
    for name in inputs:
        driven = f"in_{name}"
        if name == reset:
            driven = f"({_STARTED} ? in_{name} : 1'b{0 if active_low else 1})"
        links.append(f".in_{name}({driven})")
    return "\n".join([
        f"module {WRAPPER}(input {_STEP}, {', '.join([*ports, 'output trigger'])});",
        f"  reg {_STARTED} = 1'b0;",
        f"  always @(posedge {_STEP}) {_STARTED} <= 1'b1;",
        f"  {PLAIN} m({', '.join([*links, '.trigger(trigger)'])});",
        "endmodule", ""])


def _aiger_script() -> str:
    return "; ".join([
        "read_rtlil plain.il", "read_verilog -sv wrap.v", f"hierarchy -top {WRAPPER}", "proc", "flatten",
        "chformal -remove",  # a design's own assume/assert would constrain or add properties; simulation ignores them
        "opt_clean", "techmap",
        "setundef -undriven -anyseq", "setundef -anyseq",  # every x is any value, fresh each cycle
        "setundef -zero -init",  # registers without an initial value start at zero, before opt can pick one
        "opt -fast", "dffunmap",
        "setundef -anyseq",  # opt's own don't-cares (an enable's hold input) are any value too
        "aigmap", "opt_clean", "write_aiger -zinit -map pdr.aim pdr.aig"])


def prove(run_dir: Path, yosys: str, *, design: Design, reference: Design, inputs: dict[str, int],
          outputs: dict[str, int], clocks: list[str], reset: str | None, active_low: bool,
          deadline: float, keep: Path | None = None, parameters: params.Parameters = ()) -> Outcome:
    """PDR on the plain miter in `run_dir/plain.il` until `deadline` (time.monotonic()). Raises
    tools.ToolMissing without yosys-abc."""
    abc = tools.find("yosys-abc")
    bad = [n for n in inputs if not _NAME.match(n)]
    if bad:
        return Outcome("unknown", f"PDR: a port name it cannot wrap ({bad[0]})", abc_version=abc.version)
    outcome = Outcome("unknown", abc_version=abc.version)
    (run_dir / "wrap.v").write_text(wrapper(inputs, reset, active_low), encoding="utf-8")
    started = time.monotonic()
    built = process.run([yosys, "-q", "-p", _aiger_script()], cwd=run_dir, timeout=max(1.0, deadline - started),
                        log_path=run_dir / "aiger.log")
    outcome.steps["aiger_s"] = round(time.monotonic() - started, 3)
    if not built.ok or _size(run_dir / "pdr.aig") == 0:  # yosys leaves an empty file when it fails
        error = next((line.strip() for line in built.output.splitlines() if "ERROR" in line), "")
        outcome.reason = ("PDR: yosys ran out of time writing the AIGER circuit" if built.timed_out
                          else f"PDR: yosys could not write the design as an AIGER circuit: {error[:300]}")
        return outcome
    left = deadline - time.monotonic()
    if left < 2:
        outcome.reason = "PDR: no time left in the equivalence time limit"
        return outcome
    started = time.monotonic()
    limit = max(1, int(left * 0.9))  # ABC stops itself before the process is killed
    ran = process.run([abc.path, "-c", f"read_aiger pdr.aig; strash; pdr -T {limit}; write_cex -n cex.txt"],
                      cwd=run_dir, timeout=left, log_path=run_dir / "pdr.log")
    outcome.steps["pdr_s"] = round(time.monotonic() - started, 3)
    text = ran.output
    if "Property proved" in text:
        outcome.result = "equivalent"
        return outcome
    if "was asserted in frame" not in text:
        why = ("ran out of time" if ran.timed_out or "Reached timeout" in text or "timeout" in text.lower()
               else f"gave no verdict ({_last_line(text)})")
        outcome.reason = f"PDR (ABC) {why} after {outcome.steps['pdr_s']:.0f} s"
        return outcome
    cex = read_counterexample(_read(run_dir / "cex.txt"), _read(run_dir / "pdr.aim"), inputs, clocks, reset,
                              active_low)
    if cex is None:
        outcome.reason = "PDR found a difference, but its counterexample could not be read"
        return outcome
    started = time.monotonic()
    outcome.frames = len(cex.cycles)
    outcome.result, outcome.reason, outcome.counterexample = _replay(
        run_dir, cex, design, reference, inputs, outputs, max(30.0, deadline - started), keep, parameters)
    outcome.steps["replay_s"] = round(time.monotonic() - started, 3)
    return outcome


def read_counterexample(text: str, aiger_map: str, inputs: dict[str, int], clocks: list[str],
                        reset: str | None, active_low: bool) -> Counterexample | None:
    """ABC's `write_cex -n` lines (`pi3@0=1`) as inputs per cycle, named through write_aiger's map.
    Inputs ABC left unset are 0; the reset shows active in cycle 1, as the wrapper drives it."""
    where = {int(i): (name[3:], int(bit)) for i, bit, name in _MAP_INPUT.findall(aiger_map)
             if name.startswith("in_") and name[3:] in inputs}
    found = _CEX_BIT.findall(text)
    if not found:
        return None
    frames = 1 + max(int(t) for _, t, _ in found)
    values = [{n: ["0"] * w for n, w in inputs.items() if n not in clocks} for _ in range(frames)]
    for pi, frame, value in found:
        name, bit = where.get(int(pi), ("", 0))
        if name in values[int(frame)]:
            width = inputs[name]
            values[int(frame)][name][width - 1 - bit] = "1" if value == "1" else "0"
    if reset is not None and reset in values[0]:
        values[0][reset] = ["0" if active_low else "1"]
    cycles = [{n: "".join(bits) for n, bits in frame.items()} for frame in values]
    return Counterexample(cycles=cycles, outputs=[], first_difference=frames, differing=[], clocks=clocks,
                          reset=reset)


def _replay(run_dir: Path, cex: Counterexample, design: Design, reference: Design, inputs: dict[str, int],
            outputs: dict[str, int], timeout: float,
            keep: Path | None, parameters: params.Parameters = ()
            ) -> tuple[Literal["not_equivalent", "unknown"], str, Counterexample | None]:
    """Both designs under Icarus with the counterexample's inputs; the first cycle where an output the
    reference drives to 0 or 1 differs in the design."""
    widths = {n: w for n, w in inputs.items() if n not in cex.clocks}
    printed: dict[str, dict[int, dict[str, str]]] = {}
    try:
        iverilog, vvp = tools.find("iverilog"), tools.find("vvp")
    except tools.ToolMissing as exc:
        return "unknown", f"PDR found a difference in cycle {len(cex.cycles)}, but it could not be replayed: {exc}", None
    for role, which in (("design", design), ("reference", reference)):
        folder = run_dir / f"replay_{role}"
        folder.mkdir()
        sources = []
        for name, text in which.files.items():
            (folder / process.safe_name(name)).write_text(text, encoding="utf-8")
            if name.endswith(VERILOG_SUFFIXES):
                sources.append(process.safe_name(name))
        bench = replay_testbench(cex, which.top, widths, outputs, vcd="replay.vcd", parameters=parameters)
        (folder / "aigchip_replay_tb.v").write_text(bench, encoding="utf-8")
        built = process.run([iverilog.path, "-g2012", "-Wno-timescale", "-o", "replay.vvp", "-s", "aigchip_replay",
                             "aigchip_replay_tb.v", *sources], cwd=folder, timeout=timeout)
        if not built.ok:
            return "unknown", (f"PDR found a difference in cycle {len(cex.cycles)}, but Icarus could not compile "
                               f"the {role} to replay it: {_last_line(built.output)}"), None
        ran = process.run([vvp.path, "-n", "replay.vvp"], cwd=folder, timeout=timeout)
        printed[role] = {int(c): dict(p.split("=", 1) for p in rest.split() if "=" in p)
                         for c, rest in _PRINTED.findall(ran.output)}
    seen = []
    first, differing = 0, []
    for cycle in range(1, len(cex.cycles) + 1):
        mine, theirs = printed["design"].get(cycle, {}), printed["reference"].get(cycle, {})
        seen.append({o: {"design": mine.get(o, "?"), "reference": theirs.get(o, "?")} for o in outputs})
        if not first:
            differing = [o for o in outputs if _differs(mine.get(o, ""), theirs.get(o, ""))]
            first = cycle if differing else 0
    if not first:
        return "unknown", (f"PDR found a difference in cycle {len(cex.cycles)} of its two-valued model, but "
                           f"replaying it in Icarus showed none (an x or an initial value decides it)"), None
    if keep is not None and (run_dir / "replay_design" / "replay.vcd").exists():
        keep.mkdir(parents=True, exist_ok=True)
        cex.vcd = str(shutil.copy(run_dir / "replay_design" / "replay.vcd", keep / "equiv_counterexample.vcd"))
    cex = cex.model_copy(update={"outputs": seen, "first_difference": first, "differing": differing,
                                 "cycles": cex.cycles[:len(seen)]})
    return "not_equivalent", (f"output {', '.join(differing)} differs in cycle {first} (found by PDR, "
                              f"confirmed by replay in Icarus)"), cex


def _differs(design: str, reference: str) -> bool:
    """A bit the reference drives to 0 or 1 that the design does not match (an x in the reference is a
    don't-care, as in the bounded check)."""
    if not reference or len(design) != len(reference):
        return bool(reference) and any(c in "01" for c in reference)
    return any(r in "01" and d != r for d, r in zip(design, reference))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
