"""A counterexample to equivalence: inputs per cycle from reset and what each design gave, read from
yosys's SAT model, shown as a table, and replayed in simulation by a generated testbench."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field


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


def _pretty(bits: str) -> str:
    if len(bits) <= 1 or any(c not in "01" for c in bits):
        return bits
    return f"{len(bits)}'h{int(bits, 2):x}"


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


def replay_testbench(cex: Counterexample, top: str, widths: dict[str, int], outputs: dict[str, int],
                     vcd: str | None = None, parameters: tuple[tuple[str, int], ...] = ()) -> str:
    """A Verilog testbench that drives `top` with the counterexample's inputs, one clock edge per cycle, and
    prints `cycle N name=value ...` for every output before each edge; `vcd` names a waveform to dump;
    `parameters` are set on the instance of `top`."""
    lines = ["`timescale 1ns/1ps", "module aigchip_replay;"]
    lines += [f"  reg {c} = 1'b0;" for c in cex.clocks]
    lines += [f"  reg [{w - 1}:0] {n};" for n, w in widths.items()]
    lines += [f"  wire [{w - 1}:0] {n};" for n, w in outputs.items()]
    ports = ", ".join(f".{n}({n})" for n in [*cex.clocks, *widths, *outputs])
    overrides = f" #({', '.join(f'.{name}({value})' for name, value in parameters)})" if parameters else ""
    lines += [f"  {top}{overrides} dut({ports});", "  initial begin"]
    if vcd:
        lines.append(f'    $dumpfile("{vcd}"); $dumpvars(0, aigchip_replay);')
    shown = " ".join(f"{n}=%b" for n in outputs)
    for index, values in enumerate(cex.cycles, start=1):
        sets = " ".join(f"{n} = {widths[n]}'b{v.replace('x', '0')};" for n, v in values.items() if n in widths)
        edges = " ".join(f"{c} = 1'b1;" for c in cex.clocks)
        falls = " ".join(f"{c} = 1'b0;" for c in cex.clocks)
        lines.append(f"    {sets} #1 $display(\"cycle {index} {shown}\", {', '.join(outputs)}); {edges} #1 {falls}")
    lines += ["    $finish;", "  end", "endmodule", ""]
    return "\n".join(lines)
