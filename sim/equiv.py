"""Formal equivalence of a design against a reference with yosys: a miter of the two, then SAT.

Combinational designs: one SAT problem over all inputs proves the outputs always equal, or gives inputs
that tell them apart. Sequential designs: both start from zero with the reset input asserted in the first
cycle; a bounded check looks for a difference within `bound` cycles (a counterexample is real: inputs per
cycle from reset), and temporal induction up to the same length turns "no difference found" into a proof
when it closes. When it does not, ABC's PDR (IC3, `equiv_pdr.py`) looks for an unbounded proof or a deeper
counterexample, which counts only once replayed in Icarus. All three share one time limit, cheapest first;
with PDR on, the bounded check gets 40% of it and, when it runs out, PDR (not induction) gets the rest.
When none decides, or a solver runs out of time, or yosys cannot model a construct, the answer is `unknown`
and says why; never `equivalent` without a proof. The engines step every flip-flop once per cycle, so a pair
whose flip-flops do not all take the same edge of one clock input (a derived or gated clock, both edges) is
`unknown` before any of them runs.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from aigchip.sim import equiv_pdr, params, process, tools
from aigchip.sim.equiv_cex import Counterexample, counterexample
from aigchip.sim.equiv_cex import replay_testbench as replay_testbench  # re-exported: callers name it here
from aigchip.sim.equiv_cex import wave_json as wave_json
from aigchip.sim.synth import VERILOG_SUFFIXES
from aigchip.sim.types import Design, Diagnostic, Severity

GOLD, GATE = "aigchip_gold", "aigchip_gate"
_RESET = re.compile(r"^(?:a|s)?(?:rst|reset)(?:_?(?:n|ni|b))?$|^n_?(?:rst|reset)$", re.I)
_ACTIVE_LOW = re.compile(r"(?:_?n|_?ni|_b)$|^n_?", re.I)
_STATE = re.compile(r"dff|dlatch|\$mem|_sr_|\$ff\b|\$sr\b", re.I)


class Equivalence(BaseModel):
    result: Literal["equivalent", "not_equivalent", "unknown"]
    method: str
    reason: str = ""
    bound: int | None = None  # cycles checked from reset (sequential designs)
    counterexample: Counterexample | None = None
    tools: dict[str, str] = Field(default_factory=dict)
    duration_s: float = 0.0
    engine: str = ""  # what decided: sat (combinational), bmc, induction, pdr; "" when nothing did
    # each engine run: engine, result (equivalent, not_equivalent, unknown; the bounded check's no_difference), s
    engines: list[dict[str, Any]] = Field(default_factory=list)

    def diagnostic(self) -> Diagnostic | None:
        """What the model is told: the counterexample as a table, or why the proof did not finish."""
        if self.result == "not_equivalent":
            detail = f":\n{self.counterexample.table()}" if self.counterexample else f": {self.reason}"
            return Diagnostic(message=f"not equivalent to the reference{detail}", severity=Severity.ERROR,
                              code="not-equivalent", source="yosys")
        if self.result == "unknown":
            return Diagnostic(message=f"equivalence to the reference unknown: {self.reason}", severity=Severity.INFO,
                              code="equivalence-unknown", source="yosys")
        return None


def check(design: Design, reference: Design, *, bound: int = 20, timeout: float = 120.0,
          keep: Path | None = None, pdr: bool = True, parameters: params.Parameters = ()) -> Equivalence:
    """Is `design` equivalent to `reference` (same top name and ports)? Raises tools.ToolMissing without yosys.
    `timeout`: seconds for all engines together. `keep`: a folder to copy the counterexample's VCD into.
    `pdr`: try ABC's PDR where induction does not close (skipped, with the reason, without yosys-abc).
    `parameters`: the top's Verilog parameters (VerifyOptions.parameters), set on both designs' tops."""
    yosys = tools.find("yosys")
    started = time.monotonic()
    with process.RunFolder(prefix="aigchip-equiv-") as folder:
        found = _check(folder.path, yosys.path, design, reference, bound, started + timeout, keep, pdr, parameters)
    return found.model_copy(update={"tools": {"yosys": yosys.version, **found.tools},
                                    "duration_s": round(time.monotonic() - started, 3)})


def _prepare(role: str, module: str, design: Design, run_dir: Path, parameters: params.Parameters) -> str:
    (run_dir / role).mkdir()
    names = []
    for name, text in design.files.items():
        (run_dir / role / process.safe_name(name)).write_text(text, encoding="utf-8")
        if name.endswith(VERILOG_SUFFIXES):
            names.append(f"{role}/{name}")
    chparam = "".join(f"{step}; " for step in params.yosys_chparam(design.top, parameters))
    return (f"read_verilog -sv {' '.join(names)}; {chparam}hierarchy -check -top {design.top}; proc; flatten; memory; "
            f"async2sync; opt_clean; rename {design.top} {module}; design -stash {role}")


def _yosys(yosys: str, script: str, run_dir: Path, timeout: float, log: str) -> process.ProcessResult:
    return process.run([yosys, "-q", "-p", script], cwd=run_dir, timeout=max(1.0, timeout), log_path=run_dir / log)


def _check(run_dir: Path, yosys: str, design: Design, reference: Design, bound: int, deadline: float,
           keep: Path | None, pdr: bool, parameters: params.Parameters) -> Equivalence:
    script = "; ".join([
        _prepare("gold", GOLD, reference, run_dir, parameters), _prepare("gate", GATE, design, run_dir, parameters),
        f"design -copy-from gold -as {GOLD} {GOLD}", f"design -copy-from gate -as {GATE} {GATE}",
        f"miter -equiv -flatten -make_outputs -ignore_gold_x {GOLD} {GATE} miter",
        *(equiv_pdr.plain_miter_commands(GOLD, GATE) if pdr else []), "hierarchy -top miter",
        "opt_expr", "opt_merge", "opt_clean",  # logic the two share is merged: the solver sees only what differs
        "write_rtlil miter.il", "write_json miter.json"])
    built = _yosys(yosys, script, run_dir, deadline - time.monotonic(), "miter.log")
    miter = _load_json(run_dir / "miter.json")
    if miter is None:
        error = next((line.strip() for line in built.output.splitlines() if "ERROR" in line), "")
        if "No matching port" in error or "different width" in error:
            return Equivalence(result="not_equivalent", method="miter", reason=f"the ports differ: {error}")
        why = "yosys timed out building the miter" if built.timed_out else f"yosys could not build the miter: {error}"
        return Equivalence(result="unknown", method="miter", reason=why)
    module = miter.get("modules", {}).get("miter", {})
    inputs = {n[3:]: len(p["bits"]) for n, p in module.get("ports", {}).items()
              if p["direction"] == "input" and n.startswith("in_")}
    clocks = _clocks(module)
    sequential = any(_STATE.search(cell.get("type", "")) for cell in module.get("cells", {}).values())
    if sequential and (problem := _clocking_problem(module)):
        return Equivalence(result="unknown", method="bounded check from reset and temporal induction", reason=problem)
    dumps = "-show-inputs -show-outputs -dump_json cex.json -dump_vcd cex.vcd"
    # x modelled, inputs defined: without it `-ignore_gold_x` can hide a real difference (a dropped reset)
    undef = "-enable_undef -set-def-inputs"
    reset = None
    engines: list[dict[str, Any]] = []
    step = time.monotonic()
    if not sequential:
        method = "combinational SAT miter"
        proof = _yosys(yosys, f"read_rtlil miter.il; tee -q -o bmc.txt sat -seq 1 -prove trigger 0 {dumps} "
                              f"{_limit(deadline)} {undef} miter", run_dir, deadline - step, "sat.log")
    else:
        reset = next((name for name in inputs if _RESET.match(name) and inputs[name] == 1), None)
        at_reset = f"-set-at 1 in_{reset} {0 if _ACTIVE_LOW.search(reset) else 1}" if reset else ""
        method = f"bounded check from reset ({bound} cycles) and temporal induction"
        until = step + (deadline - step) * (0.4 if pdr else 1.0)  # x-modelled SAT can stall where PDR does not
        proof = _yosys(yosys, f"read_rtlil miter.il; tee -q -o bmc.txt sat -seq {bound} -prove trigger 0 "
                              f"-set-init-zero {at_reset} {dumps} {_limit(until)} {undef} miter",
                       run_dir, until - step, "sat.log")
    outcome = _outcome(_read(run_dir / "bmc.txt"), proof)
    first = "sat" if not sequential else "bmc"
    said = {"fail": "not_equivalent", "pass": "no_difference" if sequential else "equivalent"}.get(outcome, "unknown")
    engines.append({"engine": first, "result": said, "s": round(time.monotonic() - step, 3)})
    decided = {"engine": first, "engines": engines}
    if outcome == "fail":
        cex = counterexample(wave_json(_read(run_dir / "cex.json")), bound if sequential else 1, clocks, reset)
        if cex is None:
            return Equivalence(result="unknown", method=method, reason="the solver's counterexample could not be read",
                               engines=engines)
        if keep is not None and (run_dir / "cex.vcd").exists():
            keep.mkdir(parents=True, exist_ok=True)
            cex.vcd = str(shutil.copy(run_dir / "cex.vcd", keep / "equiv_counterexample.vcd"))
        return Equivalence(result="not_equivalent", method=method, counterexample=cex,
                           bound=bound if sequential else None, **decided,
                           reason=f"output {', '.join(cex.differing)} differs in cycle {cex.first_difference}")
    if outcome != "pass" and sequential and pdr:  # PDR proves on its own; induction would stall as the check did
        return _pdr(run_dir, yosys, design, reference, module, inputs, clocks, reset, deadline, keep, parameters,
                    Equivalence(result="unknown", method=method, bound=bound, reason=f"bounded check: {outcome}",
                                engines=engines))
    if outcome != "pass":
        return Equivalence(result="unknown", method=method, reason=outcome, bound=bound if sequential else None,
                           engines=engines)
    if not sequential:
        return Equivalence(result="equivalent", method=method, **decided)
    step = time.monotonic()
    share = (deadline - step) * (0.5 if pdr else 1.0)  # induction leaves PDR at least half the time left
    induction = _yosys(yosys, f"read_rtlil miter.il; tee -q -o induct.txt sat -tempinduct -prove trigger 0 "
                              f"-set-init-zero -maxsteps {bound} {_limit(step + share)} {undef} miter",
                       run_dir, share, "induct.log")
    closed = induction.ok and "Induction step proven: SUCCESS!" in _read(run_dir / "induct.txt")
    engines.append({"engine": "induction", "result": "equivalent" if closed else "unknown",
                    "s": round(time.monotonic() - step, 3)})
    if closed:
        return Equivalence(result="equivalent", method=method, bound=bound, engine="induction", engines=engines)
    why = (f"no difference within {bound} cycles from reset, but induction did not close within {bound} steps "
           f"(state that the outputs do not show, or a longer bound needed)")
    if not pdr:
        return Equivalence(result="unknown", method=method, bound=bound, reason=why, engines=engines)
    return _pdr(run_dir, yosys, design, reference, module, inputs, clocks, reset, deadline, keep, parameters,
                Equivalence(result="unknown", method=method, bound=bound, reason=why, engines=engines))


def _limit(deadline: float) -> str:
    """The SAT solver's own time limit: it gives up before the process is killed."""
    return f"-timeout {max(1, int((deadline - time.monotonic()) * 0.8))}"


def _pdr(run_dir: Path, yosys: str, design: Design, reference: Design, module: dict[str, Any],
         inputs: dict[str, int], clocks: list[str], reset: str | None, deadline: float, keep: Path | None,
         parameters: params.Parameters, so_far: Equivalence) -> Equivalence:
    """ABC's PDR after induction did not close: a proof, a counterexample Icarus confirmed, or `so_far`
    (unknown) with PDR's reason added."""
    outputs = {n[5:]: len(p["bits"]) for n, p in module.get("ports", {}).items()
               if p["direction"] == "output" and n.startswith("gold_")}
    step = time.monotonic()
    try:
        found = equiv_pdr.prove(run_dir, yosys, design=design, reference=reference, inputs=inputs, outputs=outputs,
                                clocks=clocks, reset=reset, active_low=bool(reset and _ACTIVE_LOW.search(reset)),
                                deadline=deadline, keep=keep, parameters=parameters)
    except tools.ToolMissing as exc:
        return so_far.model_copy(update={"reason": f"{so_far.reason}; PDR not tried: {exc}"})
    engines = [*so_far.engines, {"engine": "pdr", "result": found.result, "s": round(time.monotonic() - step, 3),
                                 **found.steps, **({"frames": found.frames} if found.frames else {})}]
    update: dict[str, Any] = {"engines": engines, "tools": {"yosys-abc": found.abc_version},
                              "method": f"{so_far.method}, then PDR (ABC, unbounded)"}
    if found.result == "unknown":
        return so_far.model_copy(update={**update, "reason": f"{so_far.reason}; {found.reason}"})
    return so_far.model_copy(update={**update, "result": found.result, "reason": found.reason, "engine": "pdr",
                                     "counterexample": found.counterexample})


def _outcome(text: str, result: process.ProcessResult) -> str:
    if "model found: FAIL!" in text:
        return "fail"
    if "no model found: SUCCESS!" in text:
        return "pass"
    if result.timed_out or "TIMEOUT" in text:
        return "the SAT solver ran out of time"
    error = next((line.strip() for line in result.output.splitlines() if "ERROR" in line), "no verdict from sat")
    return f"yosys could not model the designs: {error[:300]}"


def _clocks(module: dict[str, Any]) -> list[str]:
    clocked = {bit for cell in module.get("cells", {}).values() for pin, bits in cell.get("connections", {}).items()
               if pin == "CLK" for bit in bits}
    return [n[3:] for n, p in module.get("ports", {}).items()
            if p["direction"] == "input" and n.startswith("in_") and clocked & set(p["bits"])]


def _clocking_problem(module: dict[str, Any]) -> str | None:
    """Why the engines cannot model the pair's clocking, or None: they step every flip-flop once per cycle,
    which is what simulation does only when every flip-flop takes the same edge of the same clock input."""
    port_of = {bit: n[3:] for n, p in module.get("ports", {}).items()
               if p["direction"] == "input" and n.startswith("in_") for bit in p["bits"]}
    edges: set[tuple[str, str]] = set()
    for cell in module.get("cells", {}).values():
        for bit in cell.get("connections", {}).get("CLK", []):
            if bit not in port_of:
                return ("a flip-flop is clocked by logic, not by a clock input (a derived or gated clock): the proof "
                        "engines step every flip-flop every cycle, so they can neither prove nor refute it")
            polarity = str(cell.get("parameters", {}).get("CLK_POLARITY", "1")).lstrip("0") or "0"
            edges.add((port_of[bit], "rising" if polarity == "1" else "falling"))
    if len(edges) > 1:
        named = ", ".join(f"{edge} {name}" for name, edge in sorted(edges))
        return (f"flip-flops on more than one clock or edge ({named}): the proof engines step every flip-flop "
                "every cycle, so they can neither prove nor refute it")
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _load_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
