"""What a dataset command saw: counts, and every skipped input as a Problem (file, line, message, kind)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Callable

from aigchip.corpus.schema import Problem


class MissingExtra(RuntimeError):
    """An optional dependency the input needs is not installed; the message says what to install."""


class Tally:
    """Counts by name and problems by kind; safe to add to from several threads."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.problems: list[Problem] = []
        self._lock = threading.Lock()

    def count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[name] += amount

    def problem(self, file: str, message: str, *, kind: str, line: int | None = None) -> Problem:
        found = Problem(file=str(file), line=line, message=message, kind=kind)
        self.add(found)
        return found

    def add(self, *problems: Problem) -> None:
        with self._lock:
            self.problems.extend(problems)

    def problem_kinds(self) -> dict[str, int]:
        return dict(sorted(Counter(p.kind or "other" for p in self.problems).items()))

    def summary(self) -> dict:
        """Counts, the number of problems and how many of each kind, and the problems themselves."""
        return {**dict(sorted(self.counts.items())), "problems": len(self.problems),
                "problem_kinds": self.problem_kinds(), "problem_list": [p.render() for p in self.problems]}


def show_problems(rendered: list[str], echo: Callable[[str], None], *, limit: int = 40) -> None:
    """One line per problem (already rendered: file:line: message), the first `limit`, then how many more."""
    for text in rendered[:limit]:
        echo(f"skipped: {text}")
    if len(rendered) > limit:
        echo(f"... and {len(rendered) - limit} more problems (see the JSON summary: --json)")


def _kinds(summary: dict) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in summary.get("problem_kinds", {}).items())


def describe_import(summary: dict) -> list[str]:
    lines = [f"imported {summary['entries']} entries from {summary.get('rows', 0)} rows into {summary['out']}"
             + (f" ({summary.get('compiled', 0)} compiled by iverilog)" if "compiled" in summary else "")]
    if summary["problems"]:
        lines.append(f"skipped {summary['problems']}: {_kinds(summary)}")
    if summary.get("problem_kinds", {}).get("needs_annotation"):
        lines.append("Verilog files have no descriptions: annotate them with `aigchip dataset build SRC --out CORPUS`")
    return lines


def describe_build(summary: dict) -> list[str]:
    tokens = summary["tokens"]
    cost = f", ${tokens['cost_usd']:.4f}" if tokens.get("cost_usd") is not None else ""
    lines = [f"wrote {summary['written']} annotated entries to {summary['out']} "
             f"({summary.get('already_done', 0)} were there already); "
             f"{summary.get('modules', 0)} modules in {summary.get('files', 0)} files",
             f"tokens: {tokens['prompt']} prompt + {tokens['completion']} completion = {tokens['total']}{cost} "
             f"in {summary['model_calls']} model calls"]
    if summary["problems"]:
        lines.append(f"skipped {summary['problems']}: {_kinds(summary)}")
    if summary.get("ports_undescribed"):
        lines.append(f"{summary['ports_undescribed']} detailed summaries leave out a port of their code "
                     "(checks.describes_ports false): as demonstrations they teach half an interface")
    if summary.get("stopped"):
        lines.append(f"stopped early: {summary['stopped']}; run the same command again to resume")
    return lines


def describe_export(summary: dict) -> list[str]:
    lines = [f"{summary['format']} examples in {summary['out']}: train {summary['examples']['train']} "
             f"({summary['designs']['train']} designs), val {summary['examples']['val']} "
             f"({summary['designs']['val']} designs); grains {', '.join(summary['grains'])}"]
    if summary.get("missing_grain"):
        lines.append(f"left out {summary['missing_grain']} designs lacking one of those grains (--grains to ask fewer)")
    if summary.get("contaminated"):
        lines.append(f"dropped {summary['contaminated']} designs that nearly match a benchmark task")
    return lines
