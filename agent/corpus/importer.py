"""`aigchip dataset import`: MG-Verilog rows (JSONL, parquet, save_to_disk Arrow) or aigchip corpus lines
into one corpus JSONL, each entry compiled by iverilog first.

Every row that cannot be used (malformed, not UTF-8, no description, a duplicate id, a module that does
not compile) is a Problem naming its file and line (or row), counted in the summary, never dropped
silently. Verilog files have no descriptions: they are reported as needing `aigchip dataset build`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from aigchip.corpus import mgverilog, sources, verilog
from aigchip.corpus.report import Tally
from aigchip.corpus.schema import Entry, dump_jsonl


@dataclass
class Located:
    """An entry and where it came from."""

    entry: Entry
    file: Path
    line: int


@dataclass
class ImportResult:
    entries: list[Entry]
    tally: Tally = field(default_factory=Tally)

    def summary(self, out: Path | None = None) -> dict[str, Any]:
        return {"out": str(out) if out else None, "entries": len(self.entries), **self.tally.summary()}


def _to_entry(row: dict[str, Any], source: str) -> Entry:
    if mgverilog.looks_like_entry(row):
        return Entry.model_validate(row)
    return mgverilog.row_to_entry(row, source=source)


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()[:3])


def _rows_to_entries(path: Path, kind: str, tally: Tally, source: str) -> list[Located]:
    found: list[Located] = []
    for file, number, row in sources.rows_of(path, kind, tally):
        tally.count("rows")
        try:
            entry = _to_entry(row, source)
        except mgverilog.RowError as exc:
            tally.problem(str(file), str(exc), kind=exc.kind, line=number)
            continue
        except ValidationError as exc:
            tally.problem(str(file), _short(exc), kind="malformed", line=number)
            continue
        if not entry.grains():
            tally.problem(str(file), f"entry {entry.id!r} has no description at any grain", kind="no_description",
                          line=number)
            continue
        found.append(Located(entry, file, number))
    return found


def _verilog_needs_build(path: Path, tally: Tally) -> None:
    for file in sources.files_of(path, sources.VERILOG_SUFFIXES):
        text = sources.read_text(file, tally)
        if text is None:
            continue
        modules = verilog.split_modules(text, str(file))
        if not modules:
            tally.problem(str(file), "no complete module in it: not Verilog", kind="not_verilog")
            continue
        names = ", ".join(m.name for m in modules[:5]) + (", ..." if len(modules) > 5 else "")
        tally.problem(str(file), f"{len(modules)} module(s) ({names}) with no descriptions: annotate them with "
                      "`aigchip dataset build`", kind="needs_annotation")


def _unique(located: list[Located], tally: Tally) -> list[Located]:
    seen: dict[str, Located] = {}
    kept: list[Located] = []
    for item in located:
        first = seen.get(item.entry.id)
        if first is not None:
            tally.problem(str(item.file), f"duplicate id {item.entry.id!r} (first at {first.file}:{first.line})",
                          kind="duplicate_id", line=item.line)
            continue
        seen[item.entry.id] = item
        kept.append(item)
    return kept


def _compiled(located: list[Located], tally: Tally, jobs: int) -> list[Entry]:
    """The entries that compile (checks.compiles set); the others become problems."""
    def check(item: Located) -> str | None:
        return verilog.compile_check(item.entry.code, item.entry.top)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        errors = list(pool.map(check, located))
    kept: list[Entry] = []
    for item, error in zip(located, errors):
        if error is not None:
            tally.problem(str(item.file), f"{item.entry.top} does not compile: {error}", kind="does_not_compile",
                          line=item.line)
            continue
        kept.append(item.entry.model_copy(update={"checks": item.entry.checks.model_copy(update={"compiles": True})}))
    tally.count("compiled", len(kept))
    return kept


def import_sources(paths: list[Path], *, compile: bool = True, jobs: int = 4, source: str = "MG-Verilog",
                   on_source: Callable[[Path, str], None] | None = None) -> ImportResult:
    """Entries from every input, in order. Raises MissingExtra (pyarrow) before any work when needed."""
    sources.check_extras(paths)
    tally = Tally()
    located: list[Located] = []
    for path in paths:
        kind = sources.kind_of(path)
        if on_source is not None:
            on_source(path, kind or "unknown")
        if kind is None:
            tally.problem(str(path), "not a corpus (JSONL, parquet, Arrow) nor Verilog", kind="not_corpus")
        elif kind == "verilog":
            _verilog_needs_build(path, tally)
        else:
            located += _rows_to_entries(path, kind, tally, source)
    located = _unique(located, tally)
    if compile:
        entries = _compiled(located, tally, jobs)
    else:
        entries = [item.entry for item in located]
    tally.problems.sort(key=lambda p: (p.file, p.line or 0))
    return ImportResult(entries, tally)


def run_import(paths: list[Path], out: Path, **options: Any) -> ImportResult:
    """Import and write the corpus (atomically, replacing `out`)."""
    result = import_sources(paths, **options)
    dump_jsonl(result.entries, out)
    return result
