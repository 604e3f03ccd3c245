"""How verdicts look to people in a terminal (rich); scripts use --json instead."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aigchip.sim.types import Severity, Status, Verdict

_STYLE = {Status.PASS: "bold green", Status.TOOL_ERROR: "bold magenta"}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def show_verdict(verdict: Verdict, console: Console, *, log_lines: int = 40) -> None:
    style = _STYLE.get(verdict.status, "bold red")
    console.print(f"[{style}]{verdict.status}: {escape(verdict.label())}[/]")
    checks = ", ".join(verdict.checks) or "none"
    sim = verdict.simulator or "-"
    cached = " (cached)" if verdict.cached else ""
    console.print(f"checks: {checks}   simulator: {sim}   time: {verdict.duration_s:.2f}s{cached}", style="dim")
    if verdict.passed and not {"testbench", "cocotb"} & set(verdict.checks):
        console.print("no tests were given: the design compiles and lints, nothing more is known", style="yellow")
    if verdict.diagnostics:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("where")
        table.add_column("severity")
        table.add_column("message", overflow="fold")
        for diag in verdict.diagnostics[:50]:
            where = diag.file or ""
            if diag.line is not None:
                where += f":{diag.line}" + (f":{diag.column}" if diag.column is not None else "")
            sev = f"{diag.severity}" + (f" [{diag.code}]" if diag.code else "")
            table.add_row(escape(where), f"[{_SEVERITY_STYLE[diag.severity]}]{escape(sev)}[/]", escape(diag.message))
        console.print(table)
        if len(verdict.diagnostics) > 50:
            console.print(f"... and {len(verdict.diagnostics) - 50} more diagnostics (see --json)", style="dim")
    if verdict.cost:
        console.print(f"cost: {escape(cost_line(verdict.cost))}")
    if verdict.equivalence:
        proof = verdict.equivalence
        console.print(f"equivalence: {proof['result']} ({escape(proof['method'])})"
                      + (f": {escape(proof['reason'])}" if proof.get("reason") else ""))
    if verdict.status is not Status.PASS and verdict.log.strip():
        lines = verdict.log.rstrip().splitlines()
        shown = lines[-log_lines:]
        console.rule(f"tool output (last {len(shown)} of {len(lines)} lines)", style="dim")
        console.print(escape("\n".join(shown)), highlight=False)
    if verdict.waveform:
        console.print(f"waveform: {verdict.waveform}", style="dim")
    if verdict.run_dir:
        console.print(f"run folder kept: {verdict.run_dir}", style="dim")
    tools = ", ".join(f"{k} {v}" for k, v in verdict.tools.items())
    if tools:
        console.print(f"tools: {tools}", style="dim")


_COST_WORDS = (("cells", "cells"), ("ffs", "flip-flops"), ("luts", "LUT4s"), ("fpga_ffs", "FPGA flip-flops"),
               ("dsps", "DSPs"), ("brams", "block RAMs"), ("latency_cycles", "cycles latency"))


def cost_line(cost: dict) -> str:
    """`1472 cells, 353 flip-flops, 357 LUT4s ... 41.6 MHz on the iCE40UP5K` from a verdict's cost."""
    parts = [f"{cost[key]} {words}" for key, words in _COST_WORDS if cost.get(key) is not None]
    if cost.get("fmax_mhz") is not None:
        parts.append(f"Fmax {cost['fmax_mhz']} MHz on the {cost.get('fmax_device', 'FPGA')}")
    parts += [str(note) for note in cost.get("notes", [])]
    return ", ".join(parts) or "not measured"


def show_outcome(outcome, summary: dict, console: Console, *, out_dir=None, demos_asked: int = 0) -> None:
    """A generate run for people: the demonstrations sent, each attempt, the final verdict and code, where the
    record is."""
    from rich.syntax import Syntax

    if not summary.get("llm_used", True):
        from aigchip.models.offline import NOTICE

        console.print(f"[yellow]{escape(NOTICE)}[/]")
    elif summary.get("demos"):
        console.print("demonstrations: " + ", ".join(f"{d['id']} ({d['score']:.1f})" for d in summary["demos"]),
                      style="dim")
    elif demos_asked:
        console.print("demonstrations: none relevant enough to send (aigchip demos SPEC shows the closest)", style="dim")
    for attempt in summary["attempts"]:
        style = "green" if attempt["status"] == "pass" else "red"
        spent = "reply from the cache" if attempt.get("cached") else f"{attempt['tokens']} tokens"
        console.print(f"iteration {attempt['iteration']} sample {attempt['sample']}: "
                      f"[{style}]{escape(attempt.get('label') or attempt['summary'])}[/]  ({spent})")
    for candidate in (summary.get("optimize") or {}).get("candidates", [])[1:]:
        style = "green" if candidate["kept"] else "red"
        console.print(f"optimize round {candidate['round']}: [{style}]{escape(candidate['reason'])}[/]")
    if summary.get("optimize"):
        console.print(f"optimized ({summary['optimize']['goal']}): {escape(summary['optimize']['improvement'])}",
                      style="bold")
    if outcome.design is not None:
        for name, text in outcome.design.files.items():
            console.rule(name, style="dim")
            console.print(Syntax(text, "verilog", line_numbers=True, word_wrap=True))
    if outcome.verdict is not None:
        show_verdict(outcome.verdict, console)
    if outcome.message:
        console.print(f"stopped: {escape(outcome.stopped)}: {escape(outcome.message)}", style="bold")
    tokens = summary["tokens"]
    cost = f", ${tokens['cost_usd']:.4f}" if tokens.get("cost_usd") is not None else ""
    console.print(f"model: {summary['model']}   iterations: {summary['iterations']}   tokens: {tokens['total']}{cost}",
                  style="dim")
    if tokens.get("cached_replies"):
        console.print(f"{tokens['cached_replies']} of {tokens['replies']} model replies came from the reply cache (an "
                      "earlier run asked the same), not from the model; --no-cache asks again", style="yellow")
    if out_dir is not None:
        console.print(f"record: {out_dir}/ (design, checks/, session.jsonl, meta.json)", style="dim")


class Elapsed:
    """What a spinner says while someone waits: what is happening and for how long, redrawn live
    (`console.status(Elapsed("asking the model"))`; change `doing` or `received` as the work goes on)."""

    def __init__(self, doing: str) -> None:
        import time

        self._clock = time.monotonic
        self.started, self.doing, self.received = self._clock(), doing, 0

    def __rich__(self) -> str:
        got = f", {self.received} characters of reply so far" if self.received else ""
        return f"{self.doing} ({self._clock() - self.started:.0f} s{got})"
