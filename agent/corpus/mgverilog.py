"""MG-Verilog's published rows, read into corpus entries.

A row has `code`, the module body WITHOUT its header (it ends with `endmodule`), and `description`, a
struct (or its JSON text) holding `high_level_global_summary`, `detailed_global_summary` and
`block_summary`. Each of those is a Llama-2 prompt:

    <s>[INST] <<SYS>> You only complete chats with syntax correct Verilog code. ... <</SYS>>
    Implement the Verilog module based on the following description. ...
    <the summary; for blocks, lines `block_0: ...`, `block_1: ...`>
    Module header:
    module name (...);
    [/INST]

`row_to_entry` strips the wrapper and the instruction, takes the header, rebuilds the whole module from
header + body, and cuts the module into as many blocks as there are block summaries. Compiling is the
importer's business. Rows come from JSONL, parquet, or a `datasets` save_to_disk folder (Arrow files).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Iterator

from aigchip.corpus import verilog
from aigchip.corpus.schema import Block, Entry

GLOBAL_KEYS = {"high_level": "high_level_global_summary", "detailed": "detailed_global_summary",
               "block": "block_summary"}
_SYSTEM = re.compile(r"<<SYS>>.*?<</SYS>>", re.S)
_TAGS = re.compile(r"</?s>|\[/?INST\]")
_INSTRUCTION = re.compile(
    r"^\s*Implement the Verilog module based on the following (?:description|block level summaries)\.\s*"
    r"(?:Assume that signals are positive clock/clk edge triggered unless otherwise stated\.)?\s*"
    r"(?:Here are block level summaries:)?\s*", re.I)
_HEADER_MARK = re.compile(r"Module header:\s*", re.I)
_BLOCK_LINE = re.compile(r"^\s*(?:[-*]\s*)?block[ _]?(\d+)\s*[:.)-]\s*", re.I | re.M)


class RowError(ValueError):
    """The row cannot become an entry; the message says why (kind: a short class for counting)."""

    def __init__(self, message: str, kind: str = "malformed"):
        super().__init__(message)
        self.kind = kind


def unwrap(prompt: str) -> tuple[str, str]:
    """(the summary text, the module header) from one Llama-2-wrapped description."""
    text = _TAGS.sub("", _SYSTEM.sub("", prompt or ""))
    header = ""
    marks = list(_HEADER_MARK.finditer(text))
    if marks:
        mark = marks[-1]  # the last "Module header:" is the real one
        header = text[mark.end():].strip()
        text = text[:mark.start()]
    return _INSTRUCTION.sub("", text.strip()).strip(), header


def block_map(text: str) -> dict[int, str]:
    """Block number -> summary from `block_N: text` lines (a summary may run over several lines)."""
    marks = list(_BLOCK_LINE.finditer(text))
    found: dict[int, str] = {}
    for mark, after in zip(marks, marks[1:] + [None]):
        summary = " ".join(text[mark.end():after.start() if after else len(text)].split())
        if summary:
            found.setdefault(int(mark.group(1)), summary)
    return found


def block_summaries(text: str) -> list[str]:
    """The block summaries in `text`, in block order."""
    found = block_map(text)
    return [found[n] for n in sorted(found)]


def _description(row: dict[str, Any]) -> dict[str, Any]:
    description = row.get("description")
    if isinstance(description, str):
        try:
            description = json.loads(description)
        except ValueError:
            try:  # a Python dict's repr, as some CSV exports hold it (literal_eval runs no code)
                description = ast.literal_eval(description)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                raise RowError("`description` is text that is not a JSON object") from None
    if not isinstance(description, dict):
        raise RowError("no `description` object (with high_level_global_summary, detailed_global_summary, "
                       "block_summary)")
    return description


def _header(headers: list[str]) -> str:
    for header in headers:
        match = re.search(r"\bmodule\b", header)
        if match:
            end = verilog.header_end(header[match.start():])
            return header[match.start():match.start() + end] if end else header[match.start():]
    return ""


def row_to_entry(row: dict[str, Any], *, source: str = "MG-Verilog", licence: str = "") -> Entry:
    """One MG-Verilog row as an Entry (checks not run); raises RowError when it cannot be one."""
    body = row.get("code")
    if not isinstance(body, str) or not body.strip():
        raise RowError("no `code`")
    description = _description(row)
    texts: dict[str, str] = {}
    headers: list[str] = []
    for grain, key in GLOBAL_KEYS.items():
        text, header = unwrap(str(description.get(key) or ""))
        texts[grain] = text
        headers.append(header)
    header = _header(headers)
    if not header:
        raise RowError("no `Module header:` with a `module ...;` in any description")
    summaries = block_summaries(texts["block"])
    if not (texts["high_level"] or texts["detailed"] or summaries):
        raise RowError("every description is empty", kind="no_description")
    top = re.search(r"\bmodule\s+([A-Za-z_][\w$]*)", header)
    if top is None:
        raise RowError(f"the header names no module: {header[:80]!r}")
    code = f"{header.strip()}\n{body.strip(chr(10)).rstrip()}\n"  # the body's first indent kept
    if not re.search(r"\bendmodule\b", body):
        code += "endmodule\n"
    pieces = verilog.split_blocks(code, count=len(summaries)) if summaries else []
    blocks = _pair(pieces, summaries)
    return Entry(id=str(row.get("id") or verilog.entry_id(top.group(1), code)), top=top.group(1), code=code,
                 high_level=texts["high_level"], detailed=texts["detailed"], blocks=blocks, source=source,
                 licence=licence, tags=[t for t in row.get("tags", []) if isinstance(t, str)])


def _pair(pieces: list[str], summaries: list[str]) -> list[Block]:
    """Blocks from code pieces and summaries; spare summaries join the last block's."""
    if not pieces:
        return []
    merged = summaries[:len(pieces) - 1] + [" ".join(summaries[len(pieces) - 1:])]
    return [Block(code=code, summary=summary) for code, summary in zip(pieces, merged)]


def looks_like_entry(row: dict[str, Any]) -> bool:
    """An aigchip corpus line (already an Entry) rather than an MG-Verilog row."""
    return "top" in row and any(k in row for k in ("high_level", "detailed", "blocks"))


# ---- readers: (row number, row) ----

def parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=512):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _arrow_table(path: Path):
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.memory_map(str(path), "r") as source:
        try:
            return ipc.open_stream(source).read_all()  # what datasets' save_to_disk writes
        except pa.ArrowInvalid:
            source.seek(0)
            return ipc.open_file(source).read_all()


def arrow_files(folder: Path) -> list[Path]:
    """A save_to_disk folder's Arrow files, in the order its state.json lists them (else by name)."""
    found: list[Path] = []
    for state in sorted(folder.rglob("state.json")):
        try:
            listed = [state.parent / f["filename"] for f in json.loads(state.read_text())["_data_files"]]
        except (OSError, ValueError, KeyError, TypeError):
            listed = []
        found += [p for p in listed if p.is_file() and p not in found]
    return found + sorted(p for p in folder.rglob("*.arrow") if p not in found)


def arrow_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    table = _arrow_table(path)
    number = 0
    for batch in table.to_batches(max_chunksize=512):
        for row in batch.to_pylist():
            number += 1
            yield number, row
