"""Mutation testing of a benchmark task's tests: mutate the task's known-good solution (every file of it), run
the task's own tests on every mutant, and report the share they kill. Strong tests kill nearly every mutant; a
survivor is either a gap in the tests or an equivalent mutant (one no test could tell apart), which a person
can record in the task's notes.md as `equivalent: <mutant-id> - reason`. The mutants come from
`aigchip.bench.mutants`.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from aigchip.bench.mutants import CLASSES, Mutant, mutant_pool

HEADER_SUFFIXES = (".vh", ".svh")  # `included headers: definitions the ports rest on, never mutated


def mutants(text: str | dict[str, str], *, seed: int = 0, limit: int | None = 30) -> list[Mutant]:
    """At most `limit` mutants of one text or of several files (name to text; ids then start with the file's
    name), taken round-robin over the classes, each class shuffled by `seed` with the files interleaved."""
    return pick(pool_of(text)[0], seed=seed, limit=limit)


def pool_of(text: str | dict[str, str]) -> tuple[list[Mutant], int]:
    """Every mutant of one text or of several files, and how many trivially equivalent ones were left out."""
    if isinstance(text, str):
        return mutant_pool(text)
    pool: list[Mutant] = []
    same = 0
    for name, body in text.items():
        found, skipped = mutant_pool(body, file=name if len(text) > 1 else "")
        pool, same = pool + found, same + skipped
    return pool, same


def pick(pool: list[Mutant], *, seed: int = 0, limit: int | None = 30) -> list[Mutant]:
    """At most `limit` of `pool`, round-robin over the classes (and within a class over the files)."""
    by_class: dict[str, list[Mutant]] = {}
    for cls in CLASSES:
        by_file: dict[str, list[Mutant]] = {}
        for m in pool:
            if m.operator == cls:
                by_file.setdefault(m.file, []).append(m)
        for name, members in by_file.items():
            random.Random(f"{seed}:{cls}" if not name else f"{seed}:{cls}:{name}").shuffle(members)
        columns = list(by_file.values())
        by_class[cls] = [col[r] for r in range(max(map(len, columns), default=0)) for col in columns if r < len(col)]
    rounds = max((len(members) for members in by_class.values()), default=0)
    chosen = [by_class[cls][r] for r in range(rounds) for cls in CLASSES if r < len(by_class[cls])]
    picked = {m.id for m in (chosen if limit is None else chosen[:limit])}
    return [m for m in pool if m.id in picked]


class MutantResult(BaseModel):
    id: str
    operator: str
    line: int
    original: str
    replacement: str
    source_line: str  # the unmutated line, for a person judging a survivor
    status: str  # the verdict's status
    outcome: str  # killed, survived, stillborn (not valid Verilog) or error (a tool failed)
    equivalent: str | None = None  # the notes.md reason, for a survivor explained as equivalent


class TaskScore(BaseModel):
    task: str
    path: str
    status: str = "ok"  # ok, baseline_failed (the solution fails its own tests), tool_error, no_mutants
    detail: str = ""
    check: str = ""  # testbench or cocotb: what decided pass/fail
    simulator: str = "icarus"
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    stillborn: int = 0
    errors: int = 0
    equivalent: int = 0  # survivors explained as equivalent in notes.md
    trivially_equivalent: int = 0  # mutants never run: they only rewrote a constant as itself
    files: list[str] = Field(default_factory=list)  # the solution's files that were mutated
    score: float | None = None  # killed / (killed + survived)
    adjusted_score: float | None = None  # the same with the equivalent survivors left out
    by_class: dict[str, dict[str, int]] = Field(default_factory=dict)
    results: list[MutantResult] = Field(default_factory=list)
    duration_s: float = 0.0

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.outcome == "survived"]


def outcome_of(status: str) -> str:
    if status == "pass":
        return "survived"
    if status in ("compile_error", "policy_violation", "no_code"):
        return "stillborn"
    return "error" if status == "tool_error" else "killed"  # mismatch, sim_error, timeout


def tally(score: TaskScore, results: list[MutantResult]) -> TaskScore:
    """Counts, per-class counts, score and adjusted score of `results`."""
    counts = Counter(r.outcome for r in results)
    equivalent = sum(1 for r in results if r.outcome == "survived" and r.equivalent is not None)
    by_class: dict[str, dict[str, int]] = {}
    for r in results:
        by_class.setdefault(r.operator, {"killed": 0, "survived": 0, "stillborn": 0, "error": 0})[r.outcome] += 1
    judged = counts["killed"] + counts["survived"]
    status = score.status if not results else "tool_error" if counts["error"] == len(results) else "ok"
    return score.model_copy(update=dict(
        status=status, mutants=len(results), killed=counts["killed"], survived=counts["survived"],
        stillborn=counts["stillborn"], errors=counts["error"], equivalent=equivalent, by_class=by_class, results=results,
        score=round(counts["killed"] / judged, 4) if judged else None,
        adjusted_score=round(counts["killed"] / (judged - equivalent), 4) if judged > equivalent else None))


_EQUIVALENT_NOTE = re.compile(
    r"^[\s*>_-]*equivalent[*_]*\s*:[*_]*\s*`?([A-Za-z_][\w.+:-]*?)`?(?:(?:\s*[:\u2013\u2014](?=\s|$)|\s+-+)\s*(.*?))?\s*$",
    re.I | re.M)


def notes_equivalents(task_dir: Path) -> dict[str, str]:
    """Mutant id to reason, from `equivalent: <mutant-id> - reason` lines in the task's notes.md."""
    notes = Path(task_dir) / "notes.md"
    if not notes.is_file():
        return {}
    text = notes.read_text(encoding="utf-8", errors="replace")
    return {m.group(1): (m.group(2) or "").strip() for m in _EQUIVALENT_NOTE.finditer(text)}


def load_notes_equivalents(task_dir: Path) -> set[str]:
    return set(notes_equivalents(task_dir))


def score_task(task_dir: Path, *, limit: int | None = 30, jobs: int = 2, simulator: str = "icarus",
               timeout: float = 60, seed: int = 0) -> TaskScore:
    """Run the task's tests on mutants of its solution. Raises ValueError for a folder that is not a usable task."""
    from aigchip.task import from_folder, verify_options
    from aigchip.sim.check import verify, verify_many

    started = time.monotonic()
    task = from_folder(Path(task_dir))
    design = task.solution_design()
    if design is None or not task.has_golden_tests:
        raise ValueError(f"{task_dir}: a task needs a solution and tests (or a testbench) to be measured")
    options = verify_options(task, simulator=simulator, timeout=timeout, use_cache=False, lint=False)
    score = TaskScore(task=task.id, path=str(task_dir), simulator=simulator,
                      check="testbench" if task.testbench else "cocotb")
    baseline = verify(design, options)
    if not baseline.passed:
        status = "tool_error" if baseline.status == "tool_error" else "baseline_failed"
        return score.model_copy(update=dict(status=status, detail=baseline.summary(),
                                            duration_s=round(time.monotonic() - started, 2)))
    # a mutant that hangs is killed; no need to wait the whole timeout for it to say so
    options = options.model_copy(update={"timeout": min(timeout, max(10.0, 10 * baseline.duration_s))})
    mutable = {name: text for name, text in design.files.items() if not name.endswith(HEADER_SUFFIXES)}
    pool, trivial = pool_of(mutable)
    chosen = pick(pool, seed=seed, limit=limit)
    only = next(iter(mutable))  # a one-file solution's mutants name no file
    verdicts = verify_many([(design.model_copy(update={"files": {**design.files, m.file or only: m.text}}), options)
                            for m in chosen], jobs=jobs)
    explained = notes_equivalents(Path(task_dir))
    lines = {name: text.splitlines() for name, text in mutable.items()}
    results = []
    for mutant, verdict in zip(chosen, verdicts):
        outcome = outcome_of(str(verdict.status))
        results.append(MutantResult(
            id=mutant.id, operator=mutant.operator, line=mutant.line, original=mutant.original,
            replacement=mutant.replacement, source_line=lines[mutant.file or only][mutant.line - 1].strip(),
            status=str(verdict.status), outcome=outcome, equivalent=explained.get(mutant.id) if outcome == "survived" else None))
    score = tally(score.model_copy(update={"status": "ok" if chosen else "no_mutants", "trivially_equivalent": trivial,
                                           "files": list(mutable)}), results)
    return score.model_copy(update={"duration_s": round(time.monotonic() - started, 2)})


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def cell(text: str) -> str:
    """`text` as one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|") or "(removed)"


def markdown_report(scores: list[TaskScore], min_score: float) -> str:
    """The mutation report: one row per task, then each task's survivors with the notes.md reasons."""
    lines = [f"# Mutation scores (pass: adjusted score >= {min_score})", "",
             "| task | simulator | status | mutants | killed | survived | stillborn | trivially equivalent | score | adjusted |",
             "|---|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    lines += [f"| {s.task} | {s.simulator} | {s.status} | {s.mutants} | {s.killed} | {s.survived} | {s.stillborn} | "
              f"{s.trivially_equivalent} | {number(s.score)} | {number(s.adjusted_score)} |" for s in scores]
    for s in scores:
        if s.detail:
            lines += ["", f"## {s.task}", "", s.detail]
        if s.survivors:
            lines += ["", f"## {s.task}: survivors (equivalent, or a gap in the tests?)", "",
                      "| mutant | line | source line | original | mutated to | equivalent (notes.md) |",
                      "|---|--:|---|---|---|---|"]
            lines += [f"| `{r.id}` | {r.line} | `{cell(r.source_line)}` | `{cell(r.original)}` | "
                      f"`{cell(r.replacement)}` | {cell(r.equivalent) if r.equivalent is not None else ''} |"
                      for r in s.survivors]
    return "\n".join(lines) + "\n"
