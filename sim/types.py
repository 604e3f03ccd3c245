"""The one vocabulary every part of aigchip speaks: designs, diagnostics, verdicts."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, Field


class Status(str, Enum):
    """How a check ended. A missing or broken tool is TOOL_ERROR, never blamed on the design."""

    PASS = "pass"
    NO_CODE = "no_code"
    POLICY_VIOLATION = "policy_violation"
    COMPILE_ERROR = "compile_error"
    SIM_ERROR = "sim_error"
    MISMATCH = "mismatch"
    TIMEOUT = "timeout"
    TOOL_ERROR = "tool_error"

    def __str__(self) -> str:
        return self.value


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


class Diagnostic(BaseModel):
    """One thing a tool (or the policy, or a testbench) said about the design."""

    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    line: int | None = None
    column: int | None = None
    code: str | None = None  # a tool's warning code (UNUSEDSIGNAL) or a policy rule id
    source: str | None = None  # who said it: iverilog, verilator, policy, testbench, cocotb, aigchip

    def render(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        code = f"[{self.code}]" if self.code else ""
        return f"{where}{self.severity}{code}: {self.message}"


class Design(BaseModel):
    """Verilog source files (name to text) and the name of the top module."""

    files: dict[str, str]
    top: str

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], top: str) -> Design:
        """Read files from disk; names are base names, which must be unique."""
        files: dict[str, str] = {}
        for p in map(Path, paths):
            if p.name in files:
                raise ValueError(f"two design files share the name {p.name!r}; rename one")
            files[p.name] = p.read_bytes().decode("utf-8", errors="replace")
        return cls(files=files, top=top)


class Verdict(BaseModel):
    """The answer to "does this design pass, and if not, what exactly did the tools say?"."""

    status: Status
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    mismatches: int | None = None  # testbench-reported mismatching samples (VerilogEval) or failures
    samples: int | None = None  # how many samples or checks that count is out of
    tests_total: int | None = None  # cocotb tests run
    tests_failed: int | None = None
    log: str = ""  # the tools' output excerpt that the model will see (head and tail)
    simulator: str | None = None
    tools: dict[str, str] = Field(default_factory=dict)  # tool name to version it ran with
    checks: list[str] = Field(default_factory=list)  # what ran: policy, syntax, lint, testbench, cocotb
    duration_s: float = 0.0
    waveform: str | None = None  # path of a kept VCD file
    failure_time_ns: float | None = None  # simulated time of the first failing test's failure (cocotb)
    run_dir: str | None = None  # path of the kept run folder
    cached: bool = False
    cost: dict[str, Any] | None = None  # synthesis figures (sim/synth.py) when asked: cells, luts, ffs, fmax_mhz ...
    equivalence: dict[str, Any] | None = None  # sim/equiv.py's answer when a reference was given to prove against

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def label(self) -> str:
        """Words that say what was checked, for people: "passes 3 tests", "fails 1 of 3 tests",
        "compiles and lints (no tests)", "does not compile: <first error>"."""
        tested = bool({"testbench", "cocotb"} & set(self.checks)) or self.tests_total is not None
        first = next(iter(self.errors), None)
        if self.status is Status.PASS:
            if self.tests_total:
                return f"passes {self.tests_total} test{'s' if self.tests_total != 1 else ''}"
            if self.samples is not None:
                return f"passes the testbench ({self.samples} samples)"
            if tested:
                return "passes the testbench"
            return ("compiles and lints" if "lint" in self.checks else "compiles") + " (no tests)"
        if self.status is Status.MISMATCH and self.tests_total:
            text = f"fails {self.tests_failed or 0} of {self.tests_total} tests"
        elif self.status is Status.MISMATCH and self.samples is not None:
            text = f"fails the testbench ({self.mismatches or 0} mismatches in {self.samples} samples)"
        else:
            text = _STATUS_WORDS[self.status]
        return f"{text}: {first.render()}" if first else text

    def summary(self) -> str:
        """One line for people: status and the most telling detail."""
        text = str(self.status)
        if self.mismatches is not None and self.samples is not None:
            text += f" ({self.mismatches} mismatches in {self.samples} samples)"
        elif self.tests_total is not None:
            text += f" ({self.tests_failed or 0} of {self.tests_total} tests failed)"
        first = next(iter(self.errors), None)
        if first and self.status is not Status.PASS:
            text += f": {first.render()}"
        return text


_STATUS_WORDS = {Status.PASS: "passes", Status.NO_CODE: "no code in the reply",
                 Status.POLICY_VIOLATION: "refused by the safety policy", Status.COMPILE_ERROR: "does not compile",
                 Status.SIM_ERROR: "simulation error", Status.MISMATCH: "fails its tests",
                 Status.TIMEOUT: "simulation timed out", Status.TOOL_ERROR: "tool error (not the design's fault)"}
