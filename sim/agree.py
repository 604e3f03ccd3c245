"""Two simulators on the same tests: Icarus (four-state, X kept) and Verilator (two-state). Where they
disagree the design leans on something one of them decides and the other does not: an X (an index out
of range, a register never reset, an undriven net), a race between always blocks, or a width or signedness
rule. `verify --sim both` passes only when both pass and say the same."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from aigchip.sim.types import Diagnostic, Severity, Status, Verdict

if TYPE_CHECKING:
    from aigchip.sim.check import VerifyOptions

WHY = ("Icarus keeps X values where Verilator, being two-state, picks 0 or masks an index, so a difference "
       "usually means an out-of-range index, a register read before it is reset, or an undriven net; it can "
       "also be a race (a signal written with a blocking assignment in one clocked block and read in another) "
       "or a width or signedness rule the two read differently")


def both(run: Callable[[VerifyOptions], Verdict], options: VerifyOptions) -> Verdict:
    """Check with Icarus, then Verilator (synthesis and proofs only once, with Icarus), and merge."""
    icarus = run(options.model_copy(update={"simulator": "icarus"}))
    verilator = run(options.model_copy(update={"simulator": "verilator", "synth": False, "fmax": False,
                                               "equiv": ()}))
    return merge(icarus, verilator)


def disagreement(icarus: Verdict, verilator: Verdict) -> str | None:
    """Words for how the two verdicts differ, or None when they agree."""
    if Status.TOOL_ERROR in (icarus.status, verilator.status):
        return None  # a tool that could not run is not an opinion about the design
    same = (icarus.status == verilator.status and icarus.tests_failed == verilator.tests_failed
            and icarus.mismatches == verilator.mismatches)
    if same:
        return None
    return f"Icarus Verilog: {icarus.label()}; Verilator: {verilator.label()}"


def merge(icarus: Verdict, verilator: Verdict) -> Verdict:
    """One verdict: the failing simulator's (Icarus's when both agree), with a `simulators-disagree`
    diagnostic first when they differ, so the model sees it."""
    lead = verilator if icarus.passed and not verilator.passed else icarus
    diagnostics = list(lead.diagnostics)
    differs = disagreement(icarus, verilator)
    if differs:
        diagnostics.insert(0, Diagnostic(message=f"the simulators disagree: {differs}. {WHY}.",
                                         severity=Severity.ERROR, code="simulators-disagree", source="aigchip"))
    checks = list(dict.fromkeys([*icarus.checks, *verilator.checks, "agreement"]))
    return lead.model_copy(update={
        "diagnostics": diagnostics, "simulator": "icarus+verilator", "checks": checks,
        "tools": {**verilator.tools, **icarus.tools}, "duration_s": round(icarus.duration_s + verilator.duration_s, 4),
        "cost": icarus.cost, "equivalence": icarus.equivalence, "cached": icarus.cached and verilator.cached})
