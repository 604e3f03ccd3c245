"""A corpus entry: one Verilog design described at three grains (MG-Verilog style), and its loaders.

Grains: `high_level` (a one or two sentence summary), `detailed` (a paragraph: ports, widths, timing,
reset, corners) and `blocks` (the module cut into short verbatim blocks, each with a summary).

Two on-disk forms: a JSONL corpus (one Entry per line) and the bundled demo library, a folder holding
one folder per design: `<id>/<top>.v`, `<id>/test_<top>.py` (cocotb) and `<id>/descriptions.json`.
`checks.tests` is relative to the folder that holds the corpus (the JSONL file's or the library's).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aigchip.sim.files import write_atomic
from typing import BinaryIO, Iterable

from pydantic import BaseModel, Field, ValidationError

GRAINS = ("high_level", "detailed", "block")


class Block(BaseModel):
    code: str  # a few lines of the module, verbatim
    summary: str


class Checks(BaseModel):
    compiles: bool | None = None
    simulates: bool | None = None  # passes its attached test in simulation
    tests: str | None = None  # relative path of the attached test (cocotb module or testbench)
    regenerates: bool | None = None  # a model rewrote it from the detailed summary and that compiled
    describes_ports: bool | None = None  # the detailed summary names every port of the code (None: not checked)


class Entry(BaseModel):
    id: str = Field(min_length=1)
    top: str = Field(min_length=1)
    code: str = Field(min_length=1)  # full module text
    high_level: str = ""
    detailed: str = ""
    blocks: list[Block] = Field(default_factory=list)
    source: str = ""
    licence: str = ""
    checks: Checks = Field(default_factory=Checks)
    tags: list[str] = Field(default_factory=list)
    spec: str | None = None  # the user spec it was generated from, if any

    def text_at(self, grain: str) -> str:
        """The description at `grain` ("" when the entry has none); blocks render as a list."""
        if grain == "block":
            return "\n".join(f"- {b.summary.strip()}" for b in self.blocks if b.summary.strip())
        if grain in ("high_level", "detailed"):
            return getattr(self, grain).strip()
        raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(GRAINS)}")

    def grains(self) -> list[str]:
        return [g for g in GRAINS if self.text_at(g)]


class Problem(BaseModel):
    """Something wrong with one entry of a corpus; the entry was skipped."""

    file: str
    line: int | None = None
    message: str
    kind: str = ""  # a short class for counting: malformed, not_utf8, no_description, duplicate_id, ...

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line is not None else f"{self.file}: {self.message}"

    __str__ = render


class CorpusError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.render() for p in problems))


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()[:3])


def _check(entry: Entry, seen: set[str]) -> str | None:
    if entry.id in seen:
        return f"duplicate id {entry.id!r}"
    if not entry.grains():
        return f"entry {entry.id!r} has no description at any grain"
    return None


def load_jsonl(path: str | Path) -> tuple[list[Entry], list[Problem]]:
    """Entries of a JSONL corpus; each bad line becomes a Problem (file, line) and is skipped."""
    entries, problems, _ = load_jsonl_located(path)
    return entries, problems


def load_jsonl_located(path: str | Path) -> tuple[list[Entry], list[Problem], list[tuple[int, int]]]:
    """`load_jsonl`, and where each entry's line is in the file: (byte offset, length) per entry."""
    path = Path(path)
    with path.open("rb") as handle:
        return scan_jsonl(handle, str(path))


def parse_line(line: str) -> Entry:
    """One JSONL line as a validated Entry; ValueError, with a message for a Problem, when it is not one."""
    try:
        return Entry.model_validate(json.loads(line))
    except ValueError as exc:  # json.JSONDecodeError and ValidationError are both ValueErrors
        raise ValueError(_short(exc) if isinstance(exc, ValidationError) else f"not valid JSON: {exc}") from None


def scan_jsonl(handle: BinaryIO, file: str) -> tuple[list[Entry], list[Problem], list[tuple[int, int]]]:
    """The entries of the JSONL lines `handle` reads, the Problems of the lines skipped (named as `file`), and
    each entry's (byte offset, length)."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    offset = 0
    for number, raw in enumerate(handle, start=1):
        start, offset = offset, offset + len(raw)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(file=file, line=number, kind="not_utf8",
                                    message=f"not UTF-8 text (byte {exc.start + 1} of the line)"))
            continue
        if not line.strip():
            continue
        try:
            entry = parse_line(line)
        except ValueError as exc:
            problems.append(Problem(file=file, line=number, message=str(exc), kind="malformed"))
            continue
        if (why := _check(entry, seen)) is not None:
            kind = "duplicate_id" if why.startswith("duplicate") else "no_description"
            problems.append(Problem(file=file, line=number, message=why, kind=kind))
            continue
        seen.add(entry.id)
        entries.append(entry)
        spans.append((start, len(raw)))
    return entries, problems, spans


def ids_in(data: bytes) -> set[str]:
    """The ids of the JSONL lines in `data` that parse and carry one; other lines are passed over."""
    found: set[str] = set()
    for line in data.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            found.add(row["id"])
    return found


def dump_jsonl(entries: Iterable[Entry], path: str | Path) -> None:
    """Write entries as JSONL atomically: a reader sees the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, "".join(entry.model_dump_json(exclude_none=False) + "\n" for entry in entries), durable=True)


def _library_entry(folder: Path, root: Path) -> Entry:
    meta = json.loads((folder / "descriptions.json").read_text(encoding="utf-8"))
    designs = sorted(folder.glob("*.v")) + sorted(folder.glob("*.sv"))
    top = meta.get("top") or (designs[0].stem if len(designs) == 1 else "")
    if not top:
        raise ValueError(f"{len(designs)} design files and no \"top\" in descriptions.json")
    design = next((p for p in designs if p.stem == top), None)
    if design is None:
        raise ValueError(f"no {top}.v in the folder")
    test = folder / f"test_{top}.py"
    checks = Checks.model_validate({**meta.get("checks", {}),
                                    "tests": test.relative_to(root).as_posix() if test.is_file() else None})
    fields = {k: meta[k] for k in ("high_level", "detailed", "blocks", "tags", "source", "licence", "spec") if k in meta}
    return Entry(id=meta.get("id", folder.name), top=top, code=design.read_text(encoding="utf-8"), checks=checks, **fields)


_NAMED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:<\w+>[A-Za-z0-9_]*)*")


def undescribed_ports(entry: Entry) -> list[str] | None:
    """The ports of `entry`'s top module (read by slang) that its detailed description never names, in port
    order; a description may name a family as `en<i>` (en0, en1, ...). None when the header cannot be read."""
    from aigchip import interface

    found = interface.of_design({f"{entry.top}.v": entry.code}, entry.top)
    if found is None:
        return None
    named = set(_NAMED.findall(entry.detailed))
    families = [re.compile(re.sub(r"<\w+>", r"\\d+", n) + "$") for n in named if "<" in n]
    return [p.name for p in found.ports
            if p.name not in named and not any(family.match(p.name) for family in families)]


def load_demo_library_checked(root: str | Path) -> tuple[list[Entry], list[Problem]]:
    """The library's entries in id order, and a Problem for each folder that could not be read or whose
    detailed description leaves out a port of its code (a demo teaches the interface it describes)."""
    root = Path(root)
    entries: list[Entry] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "descriptions.json").is_file()):
        where = str(folder / "descriptions.json")
        try:
            entry = _library_entry(folder, root)
        except (OSError, ValueError) as exc:
            message = _short(exc) if isinstance(exc, ValidationError) else str(exc)
            problems.append(Problem(file=where, message=message))
            continue
        if (why := _check(entry, seen)) is not None:
            problems.append(Problem(file=where, message=why))
            continue
        if missing := undescribed_ports(entry):
            problems.append(Problem(file=where, kind="undescribed_port", message=(
                f"the detailed description never names port(s) {', '.join(missing)} of {entry.top}")))
            continue
        seen.add(entry.id)
        entries.append(entry)
    return entries, problems


def load_demo_library(root: str | Path) -> list[Entry]:
    """The demo library under `root`; raises CorpusError naming every folder that is broken."""
    entries, problems = load_demo_library_checked(root)
    if problems:
        raise CorpusError(problems)
    return entries
