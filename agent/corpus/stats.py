"""`aigchip dataset stats`: what a corpus holds. `entries` and `grains` (how many entries have a description
at each grain) are the contract; the rest (sources, tags, checks, sizes, problems) is for people."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from aigchip.corpus import index as corpus_index
from aigchip.corpus.schema import GRAINS, Entry, Problem


def stats(entries: list[Entry], problems: Sequence[Problem] = (), *, corpus: Path | None = None,
          top_tags: int = 20) -> dict[str, Any]:
    lines = [e.code.count("\n") + (not e.code.endswith("\n")) for e in entries]
    tags = Counter(t for e in entries for t in e.tags)
    found: dict[str, Any] = {
        "corpus": str(corpus) if corpus else None,
        "entries": len(entries),
        "grains": {g: sum(1 for e in entries if e.text_at(g)) for g in GRAINS},
        "all_grains": sum(1 for e in entries if len(e.grains()) == len(GRAINS)),
        "blocks": sum(len(e.blocks) for e in entries),
        "sources": dict(Counter(e.source or "(none)" for e in entries).most_common()),
        "tags": dict(tags.most_common(top_tags)),
        "distinct_tags": len(tags),
        "compiled": sum(1 for e in entries if e.checks.compiles),
        "simulated": sum(1 for e in entries if e.checks.simulates),
        "regenerated": sum(1 for e in entries if e.checks.regenerates),
        "with_tests": sum(1 for e in entries if e.checks.tests),
        "with_spec": sum(1 for e in entries if e.spec),
        "code_lines": {"total": sum(lines), "mean": round(sum(lines) / len(lines), 1) if lines else 0,
                       "max": max(lines, default=0)},
        "problems": len(problems),
        "problem_kinds": dict(Counter(p.kind or "other" for p in problems)),
        "problem_list": [p.render() for p in problems],
    }
    if corpus is not None and corpus.is_file():
        found["index"] = _index_state(corpus)
    return found


def _index_state(corpus: Path) -> str:
    path = corpus_index.index_path(corpus)
    if not path.is_file():
        return "none"
    try:
        return "fresh" if corpus_index.is_fresh(corpus_index.load(path), corpus) else "stale"
    except (OSError, ValueError):
        return "unreadable"


def render(found: dict[str, Any]) -> list[str]:
    """The stats as lines for a person."""
    grains = ", ".join(f"{g} {n}" for g, n in found["grains"].items())
    lines = [f"{found['entries']} entries; with a description at each grain: {grains} "
             f"(all three: {found['all_grains']}); {found['blocks']} blocks",
             f"compiled {found['compiled']}, simulated {found['simulated']}, regenerated {found['regenerated']}, "
             f"with tests {found['with_tests']}, with the user's spec {found['with_spec']}",
             f"code lines: {found['code_lines']['total']} in all, {found['code_lines']['mean']} on average, "
             f"{found['code_lines']['max']} at most",
             "sources: " + (", ".join(f"{s} {n}" for s, n in found["sources"].items()) or "none")]
    if found["tags"]:
        lines.append(f"tags ({found['distinct_tags']} distinct): " +
                     ", ".join(f"{t} {n}" for t, n in found["tags"].items()))
    if "index" in found:
        lines.append(f"index: {found['index']}")
    if found["problems"]:
        kinds = ", ".join(f"{k} {n}" for k, n in found["problem_kinds"].items())
        lines.append(f"{found['problems']} lines skipped ({kinds})")
    return lines
