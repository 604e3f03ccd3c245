"""Finding and reading dataset inputs: JSONL, parquet, save_to_disk Arrow folders, Verilog files and trees."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Iterator

from aigchip.corpus.report import MissingExtra, Tally

VERILOG_SUFFIXES = (".v", ".sv")
ROW_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".arrow": "arrow"}
PYARROW_HINT = "install pyarrow (`pip install 'aigchip[parquet]'`), or convert the data to JSONL"


def have_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def kind_of(path: Path) -> str | None:
    """jsonl, parquet, arrow (a file or a save_to_disk folder), verilog (a file or a tree), or None."""
    if path.is_dir():
        if next(path.rglob("*.arrow"), None) is not None:
            return "arrow"
        if next(path.rglob("*.parquet"), None) is not None:
            return "parquet"
        if any(next(path.rglob(f"*{s}"), None) is not None for s in VERILOG_SUFFIXES):
            return "verilog"
        return None
    if path.suffix.lower() in VERILOG_SUFFIXES:
        return "verilog"
    return ROW_SUFFIXES.get(path.suffix.lower())


def check_extras(paths: list[Path]) -> None:
    """Raise MissingExtra before any work when an input needs pyarrow and it is not installed."""
    for path in paths:
        if kind_of(path) in ("parquet", "arrow") and not have_pyarrow():
            raise MissingExtra(f"{path} is {kind_of(path)} data: {PYARROW_HINT}")


def files_of(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def decode(data: bytes, file: Path, tally: Tally) -> str | None:
    """UTF-8 text, or None after noting a problem (binary data, or the line of the first bad byte)."""
    if b"\0" in data[:8192]:
        tally.problem(str(file), "binary data, not text", kind="not_text")
        return None
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        tally.problem(str(file), f"not UTF-8 text (byte {column} of the line); save it as UTF-8", kind="not_utf8",
                      line=line)
        return None


def read_text(file: Path, tally: Tally) -> str | None:
    try:
        return decode(file.read_bytes(), file, tally)
    except OSError as exc:
        tally.problem(str(file), f"cannot read it: {exc.strerror or exc}", kind="unreadable")
        return None


def jsonl_rows(file: Path, tally: Tally) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each good line; bad lines become problems."""
    with file.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                tally.problem(str(file), f"not UTF-8 text (byte {exc.start + 1} of the line)", kind="not_utf8",
                              line=number)
                continue
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except ValueError as exc:
                tally.problem(str(file), f"not valid JSON: {exc}", kind="malformed", line=number)
                continue
            if not isinstance(row, dict):
                tally.problem(str(file), f"a JSON {type(row).__name__}, not an object", kind="malformed",
                              line=number)
                continue
            yield number, row


def rows_of(path: Path, kind: str, tally: Tally) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """(file, row or line number, row) from a JSONL, parquet or Arrow input (a file or a folder)."""
    from aigchip.corpus import mgverilog

    if kind == "jsonl":
        for file in files_of(path, (".jsonl", ".json", ".ndjson")):
            yield from ((file, n, row) for n, row in jsonl_rows(file, tally))
        return
    if not have_pyarrow():
        raise MissingExtra(f"{path} is {kind} data: {PYARROW_HINT}")
    files = mgverilog.arrow_files(path) if kind == "arrow" and path.is_dir() else files_of(path, (f".{kind}",))
    reader = mgverilog.arrow_rows if kind == "arrow" else mgverilog.parquet_rows
    for file in files:
        try:
            yield from ((file, n, row) for n, row in reader(file))
        except Exception as exc:  # noqa: BLE001 - pyarrow's errors: a damaged or foreign file
            tally.problem(str(file), f"cannot read it as {kind}: {exc}", kind="unreadable")
