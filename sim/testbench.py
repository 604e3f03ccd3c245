"""Reading Verilog testbenches: which module is the top, marking the testbench's own output so the
design cannot imitate it, and judging a run by the benchmark's pass convention."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Mapping

from aigchip.sim import source
from aigchip.sim.cache import OWN_TIME_LIMIT  # the code of a TIMEOUT decided in simulated time
from aigchip.sim.types import Diagnostic, Severity, Status

MAX_TESTBENCH_DIAGNOSTICS = 20

_STRING = r'"(?:\\.|[^"\\\n])*"'
_COMMENT = r"//[^\n]*|/\*.*?\*/"
# print tasks whose first argument is a string literal; $f* tasks only when writing to stdout
_PRINT_TASK = (r"\$(?:display|write|strobe|monitor)[bho]?\s*\(\s*"
               r"|\$f(?:display|write|strobe|monitor)[bho]?\s*\(\s*(?:1|32'h8000_?0001)\s*,\s*")
_LEXER = re.compile(rf"(?P<comment>{_COMMENT})|(?P<task>{_PRINT_TASK})(?P<lit>{_STRING})|(?P<string>{_STRING})", re.S)
_MODULE = re.compile(r"\b(?:macro)?module\s+(?:automatic\s+|static\s+)?([A-Za-z_][\w$]*)")
_ENDMODULE = re.compile(r"\bendmodule\b")
_DECLARED_BEFORE = re.compile(r"\b(?:macro)?module\s+(?:automatic\s+|static\s+)?$")


class Convention(str, Enum):
    VERILOG_EVAL = "verilog-eval"  # final block prints `Mismatches: N in M samples`
    RTLLM = "rtllm"  # prints `===== Your Design Passed =====`
    VGEN = "vgen"  # prints `all tests passed`
    GENERIC = "generic"  # no known convention: a clean exit with no reported failure


def new_marker() -> str:
    return f"@@AIGCHIP-{secrets.token_hex(16)}@@"


mask = source.blank_comments_and_strings


def module_spans(masked: str) -> dict[str, tuple[int, int]]:
    """Module name to (start of `module`, start of its `endmodule`) in masked text."""
    spans: dict[str, tuple[int, int]] = {}
    for m in _MODULE.finditer(masked):
        end = _ENDMODULE.search(masked, m.end())
        spans[m.group(1)] = (m.start(), end.start() if end else len(masked))
    return spans


def _instantiations(name: str, masked: str) -> list[int]:
    """Where `name` is instantiated (`name [#(...)] inst (` or `[`), as offsets into masked text."""
    inst = re.compile(rf"(?<![\w$.`]){re.escape(name)}\s*(?:#|[A-Za-z_][\w$]*\s*[\[(])")
    return [m.start() for m in inst.finditer(masked)
            if not _DECLARED_BEFORE.search(masked[max(0, m.start() - 200):m.start()])]


def _mentions(name: str, masked: str) -> bool:
    """Whether `name` appears as a whole identifier (an escaped one too) in masked text."""
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", masked) is not None


def top_candidates(testbench_texts: Iterable[str], other_texts: Iterable[str]) -> list[str]:
    """Modules defined in the testbench that nothing (testbench, reference, design) instantiates."""
    masked = [mask(t) for t in testbench_texts]
    everything = masked + [mask(t) for t in other_texts]
    found: list[str] = []
    for own in masked:
        for name in module_spans(own):
            if not any(_instantiations(name, text) for text in everything) and name not in found:
                found.append(name)
    return found


def borrowed_golden_modules(design_texts: Iterable[str], testbench_texts: Iterable[str],
                            reference_text: str) -> list[str]:
    """Reference modules the testbench instantiates (the golden model) that the design instantiates too.

    A design that wraps `RefModule` would pass by copying the answer. Helper modules the reference
    provides for the design to use (instantiated only inside the reference) stay allowed. Any mention of
    a golden module's name in a design that does not define it counts, not only an instantiation's
    shape: a macro (`define GOLD RefModule, or `INST(RefModule)) names it where no instance is seen."""
    ref_masked = mask(reference_text)
    tb_masked = [mask(t) for t in testbench_texts]
    golden = [n for n in module_spans(ref_masked) if any(_instantiations(n, t) for t in tb_masked)]
    borrowed: list[str] = []
    for text in map(mask, design_texts):
        own = module_spans(text)
        for name in golden:
            if name not in own and _mentions(name, text) and name not in borrowed:
                borrowed.append(name)
    return borrowed


def mark_testbench(text: str, marker: str, renames: Mapping[str, str] | None = None,
                   dump_in: str | None = None) -> str:
    """Put `marker` at the start of the first string literal of every print task (and after each
    embedded newline that has more text after it); replace string literals naming a data file
    with their path in `renames`; with `dump_in`, add a VCD dump to that module."""
    renames = renames or {}

    def rewrite(m: re.Match[str]) -> str:
        if m["comment"]:
            return m.group(0)
        if m["string"]:
            body = m["string"][1:-1]
            key = body[2:] if body.startswith("./") else body
            return f'"{renames[key]}"' if key in renames else m.group(0)
        body = re.sub(r"((?<!\\)(?:\\\\)*\\n)(?=.)", lambda n: n.group(1) + marker, m["lit"][1:-1])
        return f'{m["task"]}"{marker}{body}"'

    marked = _LEXER.sub(rewrite, text)
    if dump_in is not None:
        span = module_spans(mask(marked)).get(dump_in)
        if span is not None and span[1] < len(marked):
            dump = '\n  initial begin $dumpfile("waves.vcd"); $dumpvars; end\n'
            marked = marked[: span[1]] + dump + marked[span[1]:]
    return marked


def dumpfile_of(text: str) -> str | None:
    """The VCD a testbench writes: its $dumpfile name, `dump.vcd` for a bare $dumpvars, else None."""
    code = re.sub(_COMMENT, " ", text, flags=re.S)
    named = re.search(r'\$dumpfile\s*\(\s*"([^"]+)"', code)
    if named:
        return named.group(1)
    return "dump.vcd" if "$dumpvars" in code else None


def convention_of(testbench_text: str) -> Convention:
    if re.search(r"Mismatches:\s*%", testbench_text):
        return Convention.VERILOG_EVAL
    if re.search(r"Your\s+Design\s+Passed", testbench_text, re.I):
        return Convention.RTLLM
    if re.search(r"all\s+tests\s+passed", testbench_text, re.I):
        return Convention.VGEN
    return Convention.GENERIC


def trusted_lines(recorded: str, marker: str) -> list[str]:
    """The lines the testbench printed: from the marker on, markers removed. Text the design
    `$write`s before the testbench's line on the same line is left out."""
    return [line[line.index(marker):].replace(marker, "").rstrip() for line in recorded.splitlines() if marker in line]


def recorded_lines(marker: str) -> re.Pattern[bytes]:
    """The lines judging needs: the testbench's own (marked) and the simulator's error lines."""
    return re.compile(re.escape(marker.encode()) + rb"|^(?:ERROR|FATAL):|^%(?:Error|Fatal)")


_VE_RESULT = re.compile(r"^Mismatches:\s*(\d+)\s+in\s+(\d+)\s+samples")
_RTLLM_PASS = re.compile(r"=+\s*Your\s+Design\s+Passed\s*=+", re.I)
_RTLLM_FAILS = re.compile(r"Test\s+completed\s+with\s+(\d+)\s*(?:/\s*(\d+))?\s*failures", re.I)
_VGEN_PASS = re.compile(r"all\s+tests\s+passed", re.I)
_FAILURE_WORD = re.compile(r"fail|error|mismatch", re.I)
_ZERO_COUNT = re.compile(r"\b0\s+(?:errors?|failures?|mismatch(?:es)?)\b"
                         r"|\b(?:errors?|failures?|mismatch(?:es)?)\s*[:=]\s*0\b", re.I)
_SIMULATOR_ERROR = re.compile(r"^(?:ERROR|FATAL):|^%(?:Error|Fatal)\b")


def reports_failure(line: str) -> bool:
    return bool(_FAILURE_WORD.search(_ZERO_COUNT.sub("", line)))


@dataclass
class Judgement:
    status: Status
    diagnostics: list[Diagnostic] = field(default_factory=list)
    mismatches: int | None = None
    samples: int | None = None


def _said(message: str, severity: Severity = Severity.ERROR, source: str = "testbench") -> Diagnostic:
    return Diagnostic(message=message, severity=severity, source=source)


def judge(convention: Convention, recorded: str, marker: str, returncode: int | None,
          overflow: bool = False) -> Judgement:
    """Decide a finished run (the wall-clock timeout is the caller's) from the lines `recorded_lines` kept."""
    lines = trusted_lines(recorded, marker)
    if convention is Convention.VERILOG_EVAL:
        judgement = _verilog_eval(lines)
    elif convention is Convention.RTLLM:
        judgement = _rtllm(lines)
    elif convention is Convention.VGEN:
        judgement = Judgement(Status.PASS) if any(map(_VGEN_PASS.search, lines)) else Judgement(
            Status.MISMATCH, [_said("the testbench never reported 'all tests passed'")])
    else:
        judgement = _generic(lines, returncode, simulator_errors(recorded))
    if judgement.status is Status.MISMATCH and convention is not Convention.VERILOG_EVAL:
        failures = [_said(line) for line in lines if reports_failure(line) and not _RTLLM_FAILS.search(line)]
        judgement.diagnostics += failures[:MAX_TESTBENCH_DIAGNOSTICS]
    if judgement.status is Status.PASS and returncode != 0:
        judgement.status = Status.SIM_ERROR
        judgement.diagnostics.append(_said(
            f"the testbench reported a pass, but the simulator exited with code {returncode}", source="aigchip"))
    if judgement.status is Status.PASS and overflow:
        judgement.status = Status.SIM_ERROR
        judgement.diagnostics.append(_said(
            "the testbench printed more than aigchip records (16 MB), so it cannot confirm that no failure "
            "was reported", source="aigchip"))
    if judgement.status is Status.MISMATCH and returncode != 0 and not lines:
        judgement.status = Status.SIM_ERROR  # crashed before the testbench said anything
        judgement.diagnostics.append(_said(f"the simulator exited with code {returncode}", source="aigchip"))
    return judgement


def _verilog_eval(lines: list[str]) -> Judgement:
    hints = [_said(line, Severity.INFO) for line in lines if line.startswith("Hint:")]
    if any(line.strip() == "TIMEOUT" for line in lines):
        own_limit = _said("the testbench's own simulation-time limit ran out (it printed TIMEOUT) before its "
                          "stimulus finished; this is not the wall-clock timeout")
        own_limit.code = OWN_TIME_LIMIT
        return Judgement(Status.TIMEOUT, [own_limit, *hints])
    results = [m for m in map(_VE_RESULT.match, lines) if m]
    if not results:
        return Judgement(Status.SIM_ERROR, [_said("the testbench never printed its 'Mismatches: N in M samples' line")])
    mismatches, samples = int(results[-1][1]), int(results[-1][2])
    if mismatches == 0 and samples > 0:
        return Judgement(Status.PASS, mismatches=0, samples=samples)
    summary = _said(f"the testbench found {mismatches} mismatching samples out of {samples}")
    return Judgement(Status.MISMATCH, [summary, *hints], mismatches, samples)


def _rtllm(lines: list[str]) -> Judgement:
    counts = [m for m in map(_RTLLM_FAILS.search, lines) if m]
    failed = [c for c in counts if int(c[1]) > 0]
    other_failures = [line for line in lines if reports_failure(line) and not _RTLLM_FAILS.search(line)]
    mismatches = int(failed[-1][1]) if failed else None
    samples = int(failed[-1][2]) if failed and failed[-1][2] else None
    if failed or other_failures:
        diags = [_said(f"the testbench reported {mismatches} failures")] if failed else []
        return Judgement(Status.MISMATCH, diags, mismatches, samples)
    if any(_RTLLM_PASS.search(line) for line in lines):
        return Judgement(Status.PASS)
    return Judgement(Status.MISMATCH, [_said("the testbench never reported a pass")])


def _generic(lines: list[str], returncode: int | None, simulator_failed: bool) -> Judgement:
    note = _said("no known pass convention (VerilogEval, RTLLM, VGen) was found in the testbench, so the "
                 "result rests on the testbench ending cleanly without reporting a failure", Severity.INFO, "aigchip")
    if returncode != 0:
        crashed = _said(f"the simulation exited with code {returncode}", source="aigchip")
        return Judgement(Status.SIM_ERROR, [note, crashed])
    if simulator_failed or any(reports_failure(line) for line in lines):
        return Judgement(Status.MISMATCH, [note])
    return Judgement(Status.PASS, [note])


def simulator_errors(recorded: str) -> bool:
    """Whether the simulator itself (vvp ERROR:/FATAL:, Verilator %Error) reported a run-time error."""
    return any(_SIMULATOR_ERROR.match(line) for line in recorded.splitlines())
