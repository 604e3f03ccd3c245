"""Turn a Verdict into what the model is told: the class of failure, diagnostics with the offending lines
quoted, the testbench's report, the first failing assertion, and a log cut to head and tail."""

from __future__ import annotations

import re

from aigchip.sim.process import cap_text
from aigchip.sim.types import Design, Diagnostic, Severity, Status, Verdict

MAX_PROBLEMS = 12
LOG_HEAD, LOG_TAIL = 1500, 2500

_ADVICE = {
    Status.NO_CODE: "No Verilog module was found in your reply.",
    Status.POLICY_VIOLATION: "The design uses constructs that are refused for safety; remove them.",
    Status.COMPILE_ERROR: "The design does not compile. Fix the errors above; keep the interface unchanged unless "
                          "an error says the tests connect a port the design lacks.",
    Status.SIM_ERROR: "The simulation failed to run the design properly (a port missing or misnamed, or a crash).",
    Status.MISMATCH: "The design compiles but its outputs differ from the expected ones. Find the logic that "
                     "produces the mismatching outputs and correct it.",
    Status.TIMEOUT: "The simulation did not finish: look for a combinational loop, an always block without an "
                    "event or delay, or a handshake that never completes.",
}


# how Icarus, Verilator and cocotb say that the tests use a port the design does not have
_MISSING_PORT = re.compile(r"port\s+``(?P<icarus>\w+)'' is not a port of|Pin not found: '(?P<verilator>\w+)'"
                           r"|no child object named (?P<cocotb>\w+)")


def missing_ports(verdict: Verdict) -> list[str]:
    """Ports the testbench or tests connect that the design lacks, in the order first reported."""
    found: list[str] = []
    for diag in verdict.diagnostics:
        for m in _MISSING_PORT.finditer(diag.message):
            name = m["icarus"] or m["verilator"] or m["cocotb"]
            if name not in found:
                found.append(name)
    return found


def _advice(verdict: Verdict, top: str, missing: list[str]) -> str:
    if missing and verdict.status in (Status.COMPILE_ERROR, Status.SIM_ERROR):
        names = ", ".join(f"`{n}`" for n in missing)
        return (f"The tests connect {names}, which `{top}` does not have. Add {'it' if len(missing) == 1 else 'them'} to "
                f"`{top}`'s ports with the direction and width the tests use (the specification may not mention "
                f"{'it' if len(missing) == 1 else 'them'}: the tests decide), give {'it' if len(missing) == 1 else 'each'} "
                "the behaviour its name and the tests imply, and keep every other port unchanged.")
    return _ADVICE.get(verdict.status, "The check did not pass.")


def _quote(diag: Diagnostic, design: Design | None) -> dict[str, str]:
    where = ""
    if diag.file:
        where = f"{diag.file}:{diag.line}: " if diag.line else f"{diag.file}: "
    source_line = ""
    if design is not None and diag.file in design.files and diag.line:
        lines = design.files[diag.file].splitlines()
        if 0 < diag.line <= len(lines):
            source_line = f"line {diag.line}: {lines[diag.line - 1].strip()[:200]}"
    code = f"[{diag.code}] " if diag.code and diag.source in ("verilator", "policy") else ""
    return {"where": where, "message": f"{diag.severity}: {code}{diag.message}", "source_line": source_line}


def _report(verdict: Verdict) -> str:
    lines = []
    if verdict.mismatches is not None and verdict.samples is not None:
        lines.append(f"{verdict.mismatches} mismatching samples out of {verdict.samples}.")
    if verdict.tests_total is not None:
        lines.append(f"{verdict.tests_failed or 0} of {verdict.tests_total} tests failed.")
    lines += [d.message for d in verdict.diagnostics if d.source == "testbench" and d.severity is Severity.INFO]
    return "\n".join(lines)


def feedback_context(verdict: Verdict, design: Design | None, top: str, *, waves: str = "") -> dict[str, object]:
    """Variables for templates/prompts/feedback.j2."""
    ranked = sorted(verdict.diagnostics, key=lambda d: (d.severity is not Severity.ERROR, d.severity is Severity.INFO))
    problems = [_quote(d, design) for d in ranked
                if not (d.source == "testbench" and d.severity is Severity.INFO)][:MAX_PROBLEMS]
    show_log = verdict.status in (Status.COMPILE_ERROR, Status.SIM_ERROR, Status.TIMEOUT, Status.MISMATCH)
    missing = missing_ports(verdict)
    return {
        "top": top,
        "headline": verdict.summary().split(":")[0] if verdict.diagnostics else str(verdict.status),
        "problems": problems,
        "report": _report(verdict),
        "waves": waves,
        "log": cap_text(verdict.log, LOG_HEAD, LOG_TAIL) if show_log and verdict.log.strip() else "",
        "missing_ports": missing,
        "advice": _advice(verdict, top, missing),
    }


def waveform_table(verdict: Verdict, design: Design | None = None, top: str | None = None) -> str:
    """Signals around the first failure, ports and handshakes first, from the VCD of a run that recorded one;
    "" when there is none. The moment is the first failing cocotb test's failure time, else the
    testbench's "first mismatch" hint, else the end of the run."""
    from aigchip import interface, waveview
    from aigchip.sim import vcd

    if not verdict.waveform:
        return ""
    try:
        wave = vcd.read(verdict.waveform)
    except (OSError, ValueError):
        return ""
    top = top or (design.top if design is not None else None)
    ports = interface.of_design(design.files, top) if design is not None and top else None
    moment, label = waveview.focus_of(wave, verdict)
    span = waveview.window(wave, interface=ports, top=top, focus=moment, focus_label=label,
                           fill_to=16)  # the design's state too, after the ports
    return span.table(rows=16)
