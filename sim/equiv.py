"""Formal equivalence of a design against a reference with yosys: a miter of the two, then SAT.

Combinational designs: one SAT problem over all inputs proves the outputs always equal, or gives inputs
that tell them apart. Sequential designs: both start from zero with the reset input asserted in the first
cycle; a bounded check looks for a difference within `bound` cycles (a counterexample is real: inputs per
cycle from reset), and temporal induction up to the same length turns "no difference found" into a proof
when it closes. When it does not close, or a solver runs out of time, or yosys cannot model a construct,
the answer is `unknown` and says why; never `equivalent` without a proof.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from aigchip.sim import process, tools
from aigchip.sim.synth import VERILOG_SUFFIXES
from aigchip.sim.types import Design, Diagnostic, Severity

GOLD, GATE = "aigchip_gold", "aigchip_gate"
_RESET = re.compile(r"^(?:a|s)?(?:rst|reset)(?:_?(?:n|ni|b))?$|^n_?(?:rst|reset)$", re.I)
_ACTIVE_LOW = re.compile(r"(?:_?n|_?ni|_b)$|^n_?", re.I)
_STATE = re.compile(r"dff|dlatch|\$mem|_sr_|\$ff\b|\$sr\b", re.I)


class Counterexample(BaseModel):
    """Inputs per cycle from reset (binary strings, most significant bit first) and what each design gave."""

    cycles: list[dict[str, str]]  # per cycle: input name to value
    outputs: list[dict[str, dict[str, str]]]  # per cycle: output name to {"design": v, "reference": v}
    first_difference: int  # 1-based cycle where an output first differs
    differing: list[str]  # outputs that differ in that cycle
    clocks: list[str] = Field(default_factory=list)  # inputs that are clocks (one edge per cycle)
    reset: str | None = None
    vcd: str | None = None  # path of the kept VCD, when a folder was kept

    def table(self, limit: int = 24) -> str:
        """The counterexample as text: one row per cycle, the inputs and the differing outputs."""
        names = list(self.cycles[0]) if self.cycles else []
        rows = [["cycle", *names, *(f"{o} (design/reference)" for o in self.differing)]]
        start = max(0, self.first_difference - limit)
        for index in range(start, self.first_difference):
            shown = [_pretty(self.cycles[index][n]) for n in names]
            outs = [f"{_pretty(self.outputs[index][o]['design'])} / {_pretty(self.outputs[index][o]['reference'])}"
                    for o in self.differing]
            mark = "  <- differs" if index + 1 == self.first_difference else ""
            rows.append([str(index + 1), *shown, *outs[:-1], (outs[-1] + mark) if outs else mark])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


class Equivalence(BaseModel):
    result: Literal["equivalent", "not_equivalent", "unknown"]
    method: str
    reason: str = ""
    bound: int | None = None  # cycles checked from reset (sequential designs)
    counterexample: Counterexample | None = None
    tools: dict[str, str] = Field(default_factory=dict)
    duration_s: float = 0.0

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


def _pretty(bits: str) -> str:
    if len(bits) <= 1 or any(c not in "01" for c in bits):
        return bits
    return f"{len(bits)}'h{int(bits, 2):x}"


def check(design: Design, reference: Design, *, bound: int = 20, timeout: float = 120.0,
          keep: Path | None = None) -> Equivalence:
    """Is `design` equivalent to `reference` (same top name and ports)? Raises tools.ToolMissing without yosys.
    `keep`: a folder to copy the counterexample's VCD into."""
    yosys = tools.find("yosys")
    started = time.monotonic()
    with process.RunFolder(prefix="aigchip-equiv-") as folder:
        found = _check(folder.path, yosys.path, design, reference, bound, timeout, keep)
    return found.model_copy(update={"tools": {"yosys": yosys.version},
                                    "duration_s": round(time.monotonic() - started, 3)})


def _prepare(role: str, module: str, design: Design, run_dir: Path) -> str:
    (run_dir / role).mkdir()
    names = []
    for name, text in design.files.items():
        (run_dir / role / process.safe_name(name)).write_text(text, encoding="utf-8")
        if name.endswith(VERILOG_SUFFIXES):
            names.append(f"{role}/{name}")
    return (f"read_verilog -sv {' '.join(names)}; hierarchy -check -top {design.top}; proc; flatten; memory; "
            f"async2sync; opt_clean; rename {design.top} {module}; design -stash {role}")


def _yosys(yosys: str, script: str, run_dir: Path, timeout: float, log: str) -> process.ProcessResult:
    return process.run([yosys, "-q", "-p", script], cwd=run_dir, timeout=timeout, log_path=run_dir / log)


def _check(run_dir: Path, yosys: str, design: Design, reference: Design, bound: int, timeout: float,
           keep: Path | None) -> Equivalence:
    script = "; ".join([
        _prepare("gold", GOLD, reference, run_dir), _prepare("gate", GATE, design, run_dir),
        f"design -copy-from gold -as {GOLD} {GOLD}", f"design -copy-from gate -as {GATE} {GATE}",
        f"miter -equiv -flatten -make_outputs -ignore_gold_x {GOLD} {GATE} miter", "hierarchy -top miter",
        "opt_expr", "opt_merge", "opt_clean",  # logic the two share is merged: the solver sees only what differs
        "write_rtlil miter.il", "write_json miter.json"])
    built = _yosys(yosys, script, run_dir, timeout, "miter.log")
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
    dumps = "-show-inputs -show-outputs -dump_json cex.json -dump_vcd cex.vcd"
    limit = f"-timeout {max(1, int(timeout * 0.8))}"  # the solver gives up before the process is killed
    # x modelled, inputs defined: without it `-ignore_gold_x` can hide a real difference (a dropped reset)
    limit += " -enable_undef -set-def-inputs"
    reset = None
    if not sequential:
        method = "combinational SAT miter"
        proof = _yosys(yosys, f"read_rtlil miter.il; tee -q -o bmc.txt sat -seq 1 -prove trigger 0 {dumps} {limit} miter",
                       run_dir, timeout, "sat.log")
    else:
        reset = next((name for name in inputs if _RESET.match(name) and inputs[name] == 1), None)
        at_reset = f"-set-at 1 in_{reset} {0 if _ACTIVE_LOW.search(reset) else 1}" if reset else ""
        method = f"bounded check from reset ({bound} cycles) and temporal induction"
        proof = _yosys(yosys, f"read_rtlil miter.il; tee -q -o bmc.txt sat -seq {bound} -prove trigger 0 "
                              f"-set-init-zero {at_reset} {dumps} {limit} miter", run_dir, timeout, "sat.log")
    outcome = _outcome(_read(run_dir / "bmc.txt"), proof)
    if outcome == "fail":
        cex = counterexample(wave_json(_read(run_dir / "cex.json")), bound if sequential else 1, clocks, reset)
        if cex is None:
            return Equivalence(result="unknown", method=method, reason="the solver's counterexample could not be read")
        if keep is not None and (run_dir / "cex.vcd").exists():
            keep.mkdir(parents=True, exist_ok=True)
            cex.vcd = str(shutil.copy(run_dir / "cex.vcd", keep / "equiv_counterexample.vcd"))
        return Equivalence(result="not_equivalent", method=method, counterexample=cex,
                           bound=bound if sequential else None,
                           reason=f"output {', '.join(cex.differing)} differs in cycle {cex.first_difference}")
    if outcome != "pass":
        return Equivalence(result="unknown", method=method, reason=outcome, bound=bound if sequential else None)
    if not sequential:
        return Equivalence(result="equivalent", method=method)
    induction = _yosys(yosys, f"read_rtlil miter.il; tee -q -o induct.txt sat -tempinduct -prove trigger 0 "
                              f"-set-init-zero -maxsteps {bound} {limit} miter", run_dir, timeout, "induct.log")
    text = _read(run_dir / "induct.txt")
    if induction.ok and "Induction step proven: SUCCESS!" in text:
        return Equivalence(result="equivalent", method=method, bound=bound)
    return Equivalence(result="unknown", method=method, bound=bound,
                       reason=f"no difference within {bound} cycles from reset, but induction did not close "
                              f"within {bound} steps (state that the outputs do not show, or a longer bound needed)")


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


def wave_json(text: str) -> dict[str, Any]:
    """yosys's `sat -dump_json` file; it writes internal names (`$memwr$\\line2...`) with bare backslashes,
    which JSON does not allow, so those are escaped first."""
    try:
        found = json.loads(re.sub(r'\\(?!["\\/bfnrtu])', r"\\\\", text))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _wave_values(signal: dict[str, Any]) -> list[str]:
    """A WaveJSON signal as one value per time index ('.' repeats, '=' takes the next data item)."""
    values: list[str] = []
    data = iter(signal.get("data", []))
    for char in signal.get("wave", ""):
        if char == ".":
            values.append(values[-1] if values else "x")
        elif "data" in signal:
            values.append(next(data, "") or "x")
        else:
            values.append(char if char in "01" else "x")
    return values


def counterexample(wavejson: dict[str, Any], steps: int, clocks: list[str], reset: str | None) -> Counterexample | None:
    """The solver's model (yosys `sat -seq STEPS -dump_json`) as inputs and outputs per cycle (from 1); a
    design with state has the initial state at index 0 before them."""
    signals = {s["name"]: _wave_values(s) for s in wavejson.get("signal", []) if "name" in s}
    trigger = signals.get("trigger") or []
    skip = len(trigger) - steps
    if skip not in (0, 1) or "1" not in trigger[skip:]:
        return None
    first = trigger.index("1", skip) + 1 - skip
    steps_at = range(skip, len(trigger))
    inputs = sorted(n[3:] for n in signals if n.startswith("in_") and n[3:] not in clocks)
    outputs = sorted(n[5:] for n in signals if n.startswith("gold_") and f"gate_{n[5:]}" in signals)
    cycles = [{n: signals[f"in_{n}"][t] for n in inputs} for t in steps_at]
    seen = [{o: {"design": signals[f"gate_{o}"][t], "reference": signals[f"gold_{o}"][t]} for o in outputs}
            for t in steps_at]
    differing = [o for o in outputs if seen[first - 1][o]["design"] != seen[first - 1][o]["reference"]]
    return Counterexample(cycles=cycles, outputs=seen, first_difference=first, differing=differing,
                          clocks=clocks, reset=reset)


def replay_testbench(cex: Counterexample, top: str, widths: dict[str, int], outputs: dict[str, int]) -> str:
    """A Verilog testbench that drives `top` with the counterexample's inputs, one clock edge per cycle, and
    prints `cycle N name=value ...` for every output before each edge."""
    lines = ["`timescale 1ns/1ps", "module aigchip_replay;"]
    lines += [f"  reg {c} = 1'b0;" for c in cex.clocks]
    lines += [f"  reg [{w - 1}:0] {n};" for n, w in widths.items()]
    lines += [f"  wire [{w - 1}:0] {n};" for n, w in outputs.items()]
    ports = ", ".join(f".{n}({n})" for n in [*cex.clocks, *widths, *outputs])
    lines += [f"  {top} dut({ports});", "  initial begin"]
    shown = " ".join(f"{n}=%b" for n in outputs)
    for index, values in enumerate(cex.cycles, start=1):
        sets = " ".join(f"{n} = {widths[n]}'b{v.replace('x', '0')};" for n, v in values.items() if n in widths)
        edges = " ".join(f"{c} = 1'b1;" for c in cex.clocks)
        falls = " ".join(f"{c} = 1'b0;" for c in cex.clocks)
        lines.append(f"    {sets} #1 $display(\"cycle {index} {shown}\", {', '.join(outputs)}); {edges} #1 {falls}")
    lines += ["    $finish;", "  end", "endmodule", ""]
    return "\n".join(lines)
