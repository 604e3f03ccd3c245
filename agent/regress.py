"""`aigchip regress`: re-check every design folder that `aigchip generate --out` wrote, with the checks it
recorded, and compare with the verdict it recorded. No model is involved.

The folders are read through `aigchip.record` (the run-folder format). The agent's own `self_tests` count
only when the folder has no golden tests; with no tests at all the design is compiled (syntax and lint) only.

Outcomes: `pass` (passed and still passes), `regression` (passed, now fails), `fixed` (failed, now passes),
`known_failure` (failed and still fails), `error` (the check could not run: a missing tool or check file).
A design whose record carries a synthesis cost is costed again; one that still passes but grew (cells, LUTs,
flip-flops, DSPs, block RAMs) or slowed (Fmax) by more than the tolerance is a cost regression.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from pydantic import BaseModel, Field

from aigchip.record import Record, check_options, find_records, recorded_cost, recorded_design
from aigchip.sim.types import Diagnostic, Status, Verdict

OUTCOMES = ("pass", "regression", "fixed", "known_failure", "error")
MAX_DIAGNOSTICS = 5
LOG_TAIL = 4000
EXIT_PASS, EXIT_REGRESSION, EXIT_ERROR = 0, 1, 2
DEFAULT_COST_TOLERANCE = 0.05
_GROWS = ("cells", "luts", "ffs", "dsps", "brams")  # more is worse


class RegressError(ValueError):
    """The folder to check cannot be used (missing, not a folder)."""


class DesignResult(BaseModel):
    dir: str  # the design folder, as reached from the folder regress was given
    recorded: str  # the status meta.json recorded
    now: str  # the status of the check just run
    summary: str  # the new verdict in one line
    outcome: str  # one of OUTCOMES
    diagnostics: list[str] = Field(default_factory=list)  # the new verdict's first diagnostics, rendered
    duration_s: float = 0.0
    cost_regression: str | None = None  # what grew or slowed beyond the tolerance, in words
    cost: dict[str, Any] | None = None  # the new cost, when the record was costed
    log: str = Field("", exclude=True)  # the tail of the tools' output, for the JUnit report


class RegressReport(BaseModel):
    root: str
    results: list[DesignResult]
    problems: list[str] = Field(default_factory=list)  # meta.json files that could not be read
    duration_s: float = 0.0

    def dirs(self, outcome: str) -> list[str]:
        return [r.dir for r in self.results if r.outcome == outcome]

    @property
    def regressions(self) -> list[str]:
        return self.dirs("regression")

    @property
    def errors(self) -> list[str]:
        return self.dirs("error")

    @property
    def cost_regressions(self) -> list[str]:
        return [r.dir for r in self.results if r.cost_regression]

    def exit_code(self) -> int:
        """1 on any regression; else 2 when something could not be checked (or nothing was found); else 0."""
        if self.regressions or self.cost_regressions:
            return EXIT_REGRESSION
        if self.errors or self.problems or not self.results:
            return EXIT_ERROR
        return EXIT_PASS

    def to_json(self) -> dict[str, Any]:
        return {"designs": len(self.results), "regressions": self.regressions,
                "cost_regressions": self.cost_regressions, "fixed": self.dirs("fixed"),
                "known_failures": self.dirs("known_failure"), "errors": self.errors, "problems": self.problems,
                "results": [r.model_dump(mode="json") for r in self.results]}


def regress(root: Path, *, simulator: str | None = None, jobs: int = 2,
            cost_tolerance: float = DEFAULT_COST_TOLERANCE) -> RegressReport:
    """Re-check every design folder below `root`; RegressError when `root` is not a folder."""
    from aigchip.sim.check import verify_many

    root = Path(root)
    if not root.is_dir():
        raise RegressError(f"{root}: no such folder" if not root.exists() else f"{root} is not a folder")
    started = time.monotonic()
    records, problems = find_records(root)
    verdicts: dict[int, Verdict] = {}
    to_check = []
    for index, record in enumerate(records):
        design, options = recorded_design(record), check_options(record, simulator)
        if design is None or record.check_problems:
            verdicts[index] = _unchecked(record)
        else:
            to_check.append((index, design, options))
    for (index, _, _), verdict in zip(to_check, verify_many([(d, o) for _, d, o in to_check], jobs=jobs)):
        verdicts[index] = verdict
    results = [_result(record, verdicts[i], cost_tolerance) for i, record in enumerate(records)]
    return RegressReport(root=str(root), results=results, problems=problems,
                         duration_s=round(time.monotonic() - started, 3))


def _unchecked(record: Record) -> Verdict:
    """A check file gone means nothing can be said (tool_error); else a design file gone fails the design."""
    problems = record.check_problems or record.design_problems
    return Verdict(status=Status.TOOL_ERROR if record.check_problems else Status.NO_CODE,
                   diagnostics=[Diagnostic(message=p, source="aigchip") for p in problems])


def cost_change(recorded: dict[str, Any], now: dict[str, Any], tolerance: float) -> str | None:
    """Words for every figure that got worse by more than `tolerance` (a fraction), or None."""
    worse = []
    for key in _GROWS:
        was, new = recorded.get(key), now.get(key)
        if isinstance(was, (int, float)) and isinstance(new, (int, float)) and new > was * (1 + tolerance) and new > was:
            worse.append(f"{key} {was} -> {new}" + (f" (+{(new - was) / was:.0%})" if was else ""))
    was, new = recorded.get("fmax_mhz"), now.get("fmax_mhz")
    if isinstance(was, (int, float)) and isinstance(new, (int, float)) and new < was * (1 - tolerance):
        worse.append(f"fmax_mhz {was} -> {new} ({(new - was) / was:.0%})")
    return f"{', '.join(worse)} (tolerance {tolerance:.0%})" if worse else None


def _result(record: Record, verdict: Verdict, tolerance: float = DEFAULT_COST_TOLERANCE) -> DesignResult:
    now = str(verdict.status)
    was_pass = record.recorded == str(Status.PASS)
    if verdict.status is Status.TOOL_ERROR:
        outcome = "error"
    elif verdict.passed:
        outcome = "pass" if was_pass else "fixed"
    else:
        outcome = "regression" if was_pass else "known_failure"
    shown = verdict.errors or verdict.diagnostics
    was = recorded_cost(record)
    worse = cost_change(was, verdict.cost, tolerance) if was and verdict.cost and verdict.passed else None
    return DesignResult(dir=record.label, recorded=record.recorded, now=now, summary=verdict.summary(),
                        outcome=outcome, diagnostics=[d.render() for d in shown[:MAX_DIAGNOSTICS]],
                        duration_s=verdict.duration_s, log=verdict.log[-LOG_TAIL:], cost_regression=worse,
                        cost=verdict.cost)


_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("?", text)


def junit_xml(report: RegressReport) -> str:
    """JUnit XML: one testcase per design folder; regressions are failures, known failures skipped,
    checks that could not run errors."""
    counts = {o: len(report.dirs(o)) for o in OUTCOMES}
    attrs = {"name": "aigchip regress", "tests": str(len(report.results)), "failures": str(counts["regression"] + sum(
        1 for r in report.results if r.cost_regression and r.outcome != "regression")),
             "errors": str(counts["error"]), "skipped": str(counts["known_failure"]), "time": f"{report.duration_s:.3f}"}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    for result in report.results:
        case = ET.SubElement(suite, "testcase", {"classname": "aigchip.regress", "name": _xml_text(result.dir),
                                                 "time": f"{result.duration_s:.3f}"})
        _fill_case(case, result)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _fill_case(case: ET.Element, result: DesignResult) -> None:
    extra = [d for d in result.diagnostics[:3] if d not in result.summary][:2]
    message = _xml_text("; ".join([result.summary, *extra]))
    details = _xml_text("\n".join([f"recorded: {result.recorded}", f"now: {result.now}", *result.diagnostics,
                                   "", result.log]).strip())
    if result.outcome == "regression":
        ET.SubElement(case, "failure", {"message": message, "type": "regression"}).text = details
    elif result.cost_regression:
        ET.SubElement(case, "failure", {"message": _xml_text(f"cost regression: {result.cost_regression}"),
                                        "type": "cost_regression"}).text = details
    elif result.outcome == "error":
        ET.SubElement(case, "error", {"message": message, "type": result.now}).text = details
    elif result.outcome == "known_failure":
        ET.SubElement(case, "skipped", {"message": _xml_text(f"known failure (recorded {result.recorded}): "
                                                             f"{result.summary}")})
    elif result.outcome == "fixed":
        ET.SubElement(case, "system-out").text = f"fixed: recorded {result.recorded}, now passes"
