"""`aigchip dataset build`: raw Verilog files and folders into an annotated corpus.

Stages: split each file into modules (with the modules each one instantiates from the same input, so it
compiles alone), drop exact and near duplicates (MinHash), skip ids the output already holds (resume),
drop what iverilog does not compile, then annotate at three grains with the model (agent.corpus.annotate),
several modules at once, appending each finished entry to the output as one JSONL line. Each detailed
summary is checked against the ports slang reads from the code (`checks.describes_ports`). Optionally
(--validate) the model rewrites each module from its detailed summary and the result must compile.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from aigchip.corpus import dedup, sources, verilog
from aigchip.corpus.annotate import AnnotationError, Annotator
from aigchip.corpus.report import Tally
from aigchip.corpus.schema import Checks, Entry, ids_in, undescribed_ports
from aigchip.models import Model, ModelError

FATAL_MODEL_ERRORS = {"auth", "unreachable", "exhausted", "cancelled"}


@dataclass
class BuildOptions:
    concurrency: int = 4  # modules annotated at once
    jobs: int = max(1, min(8, os.cpu_count() or 1))  # compile checks at once
    validate: bool = False
    compile: bool = True
    near_threshold: float = 0.8
    source: str | None = None  # the entries' `source` (default: each input's name)
    licence: str = ""
    progress: bool = False  # a rich progress bar on stderr


@dataclass
class Candidate:
    module: verilog.ModuleText
    code: str  # the module, then the modules it needs (and the file's `define lines first)
    id: str
    source: str


@dataclass
class BuildResult:
    tally: Tally
    annotator: Annotator | None = None
    written: list[str] = field(default_factory=list)  # ids appended this run
    stopped: str | None = None  # why the run stopped early (a model error), if it did

    def summary(self, out: Path) -> dict[str, Any]:
        tokens: dict[str, Any] = {"prompt": 0, "completion": 0, "total": 0, "cost_usd": None, "by_stage": {}}
        if self.annotator is not None:
            total = self.annotator.total()
            tokens = {"prompt": total.prompt_tokens, "completion": total.completion_tokens,
                      "total": total.total_tokens, "cost_usd": total.cost_usd,
                      "by_stage": {k: v.total_tokens for k, v in self.annotator.usage.items()}}
        return {"out": str(out), "written": len(self.written), "stopped": self.stopped, "tokens": tokens,
                "model_calls": self.annotator.calls if self.annotator else 0, **self.tally.summary()}


# ---- modules ----

def _with_dependencies(module: verilog.ModuleText, known: dict[str, verilog.ModuleText]) -> list[verilog.ModuleText]:
    needed, queue = [module], list(module.uses)
    while queue:
        name = queue.pop(0)
        found = known.get(name)
        if found is not None and found not in needed:
            needed.append(found)
            queue.extend(found.uses)
    return needed


def modules_of(path: Path, tally: Tally, source: str) -> list[Candidate]:
    """Every module in the Verilog files under `path`, each with the modules it instantiates."""
    per_file: list[tuple[str, list[verilog.ModuleText]]] = []
    for file in sources.files_of(path, sources.VERILOG_SUFFIXES):
        if file.suffix.lower() not in sources.VERILOG_SUFFIXES:
            tally.problem(str(file), "not a Verilog file (.v or .sv)", kind="not_verilog")
            continue
        tally.count("files")
        text = sources.read_text(file, tally)
        if text is None:
            continue
        found = verilog.split_modules(text, str(file))
        if not found:
            tally.problem(str(file), "no complete module in it: not Verilog", kind="not_verilog")
        tally.count("modules", len(found))
        tally.count("parsed_by_pyverilog", sum(m.parser == "pyverilog" for m in found))
        per_file.append((verilog.defines(text), found))
    known: dict[str, verilog.ModuleText] = {}
    for _, found in per_file:
        for module in found:
            known.setdefault(module.name, module)
    candidates = []
    for prelude, found in per_file:
        local = {**known, **{m.name: m for m in found}}
        for module in found:
            code = prelude + "".join(m.text for m in _with_dependencies(module, local))
            candidates.append(Candidate(module, code, verilog.entry_id(module.name, code), source))
    return candidates


def drop_duplicates(candidates: list[Candidate], tally: Tally, threshold: float) -> list[Candidate]:
    """The first of each group of exact or near copies (compared on the module's own text)."""
    repeats = dedup.find_duplicates([c.module.text for c in candidates], threshold=threshold)
    for position, (first, how) in sorted(repeats.items()):
        copy, original = candidates[position].module, candidates[first].module
        tally.problem(copy.file, f"{copy.name} is {'a copy' if how == 'exact' else 'a near copy'} of {original.name} "
                      f"({original.file}:{original.line})", kind=f"duplicate_{how}", line=copy.line)
    return [c for i, c in enumerate(candidates) if i not in repeats]


def compiling(candidates: list[Candidate], tally: Tally, jobs: int) -> list[Candidate]:
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        errors = list(pool.map(lambda c: verilog.compile_check(c.code, c.module.name), candidates))
    for candidate, error in zip(candidates, errors):
        if error is not None:
            tally.problem(candidate.module.file, f"{candidate.module.name} does not compile: {error}",
                          kind="does_not_compile", line=candidate.module.line)
    return [c for c, error in zip(candidates, errors) if error is None]


# ---- the output ----

def done_ids(out: Path) -> set[str]:
    """Ids already in the output. A last line cut short (a killed run) is removed first."""
    if not out.is_file():
        return set()
    data = out.read_bytes()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with out.open("r+b") as handle:
            handle.truncate(keep)
        data = data[:keep]
    return ids_in(data)


class Appender:
    """Appends entries to the output, one JSONL line each, flushed as they come (single writer thread)."""

    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self._handle = out.open("a", encoding="utf-8")

    def write(self, entry: Entry) -> None:
        self._handle.write(entry.model_dump_json() + "\n")
        self._handle.flush()

    def close(self) -> None:
        os.fsync(self._handle.fileno())
        self._handle.close()


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    if not enabled or total == 0:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("annotating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("annotate", total=total)
        yield lambda: bar.advance(task)


# ---- the run ----

def _entry(candidate: Candidate, annotator: Annotator, options: BuildOptions) -> Entry:
    module = candidate.module
    note = annotator.annotate(candidate.code, module.name)
    checks = Checks(compiles=True if options.compile else None)
    if options.validate:
        checks.regenerates = annotator.regenerates(note.detailed, candidate.code, module.name)
    entry = Entry(id=candidate.id, top=module.name, code=candidate.code, high_level=note.high_level,
                  detailed=note.detailed, blocks=note.blocks, source=candidate.source, licence=options.licence,
                  checks=checks)
    missing = undescribed_ports(entry)
    entry.checks.describes_ports = None if missing is None else not missing
    return entry


def _annotate_all(todo: list[Candidate], annotator: Annotator, options: BuildOptions, writer: Appender,
                  result: BuildResult) -> None:
    pending: dict[Future, Candidate] = {}
    queue = list(reversed(todo))
    with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool, \
            _progress(len(todo), options.progress) as advance:
        try:
            while queue or pending:
                while queue and len(pending) < options.concurrency and result.stopped is None:
                    candidate = queue.pop()
                    pending[pool.submit(_entry, candidate, annotator, options)] = candidate
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    _collect(future, pending.pop(future), writer, result)
                    advance()
        finally:
            for future in pending:
                future.cancel()
    if result.stopped is not None:
        result.tally.count("not_annotated", len(queue))


def _collect(future: Future, candidate: Candidate, writer: Appender, result: BuildResult) -> None:
    module = candidate.module
    try:
        entry = future.result()
    except ModelError as exc:
        result.tally.problem(module.file, f"{module.name}: model error: {exc.message}", kind="model_error",
                             line=module.line)
        if exc.kind in FATAL_MODEL_ERRORS and result.stopped is None:
            result.stopped = f"model error ({exc.kind}): {exc.message}"
        return
    except AnnotationError as exc:
        result.tally.problem(module.file, f"{module.name}: {exc}", kind="annotation_failed", line=module.line)
        return
    writer.write(entry)
    result.written.append(entry.id)
    if entry.checks.describes_ports is False:
        result.tally.count("ports_undescribed")


def build(paths: list[Path], out: Path, model: Model, options: BuildOptions | None = None) -> BuildResult:
    """Annotate the modules under `paths` into `out` (appended to; ids already there are skipped)."""
    options = options or BuildOptions()
    tally = Tally()
    candidates: list[Candidate] = []
    for path in paths:
        if not path.exists():
            tally.problem(str(path), "no such file or folder", kind="missing")
            continue
        candidates += modules_of(path, tally, options.source or path.resolve().name)
    candidates = drop_duplicates(candidates, tally, options.near_threshold)
    done = done_ids(out)
    todo = [c for c in candidates if c.id not in done]
    tally.count("already_done", len(candidates) - len(todo))
    if options.compile:
        todo = compiling(todo, tally, options.jobs)
    annotator = Annotator(model)
    result = BuildResult(tally, annotator)
    writer = Appender(out)
    try:
        _annotate_all(todo, annotator, options, writer, result)
    finally:
        writer.close()
        tally.count("annotated", len(result.written))
        tally.problems.sort(key=lambda p: (p.file, p.line or 0))
    return result
