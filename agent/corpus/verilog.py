"""Verilog text for the corpus: files split into modules, module headers, ~10-line blocks, compile checks.

Modules are found by pyverilog where it parses the file (its parser tables are cached under
sim.tools.cache_root(), so only the very first parse pays to build them) and by a comment-aware regex
scan otherwise (SystemVerilog that pyverilog does not know); either way each module's text runs from its
`module` keyword (with the comment lines right above it) to its `endmodule`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from aigchip.sim import source

_MODULE_SPAN = re.compile(r"\b(?:macro)?module\s+(?:(?:automatic|static)\s+)?([A-Za-z_][\w$]*)|\bendmodule\b")
_DEFINE = re.compile(r"^[ \t]*`define\b.*?(?<!\\)$", re.M | re.S)
_SYSTEMVERILOG = re.compile(r"\b(?:logic|always_ff|always_comb|always_latch|typedef|enum|struct|interface|"
                            r"package|import|unique|priority)\b")
_BOUNDARY = re.compile(r"(?:;|\bend\w*|\bbegin|\)|\*/)\s*(?://.*)?$")
BLOCK_LINES = 10


@dataclass
class ModuleText:
    """One module found in a file: its name, its text, where it starts, and the modules it instantiates."""

    name: str
    text: str
    file: str
    line: int  # 1-based line of its first line (a comment right above `module`, or `module` itself)
    uses: list[str] = field(default_factory=list)
    parser: str = "regex"  # "pyverilog" when pyverilog parsed the file


# ---- parsing ----

_parser_lock = threading.Lock()
_parser = None


def _pyverilog_parser():
    """pyverilog's parser with its LALR tables pickled in the aigchip cache (built once, ~1 s)."""
    global _parser
    if _parser is not None:
        return _parser
    from ply import yacc
    from pyverilog.vparser.lexer import VerilogLexer
    from pyverilog.vparser.parser import VerilogParser

    from aigchip.sim import tools

    class CachedParser(VerilogParser):
        def __init__(self, picklefile: str) -> None:  # no super().__init__: it would rebuild the tables
            self.lexer = VerilogLexer(error_func=self._lexer_error_func)
            self.lexer.build()
            self.tokens = self.lexer.tokens
            self.parser = yacc.yacc(module=self, method="LALR", picklefile=picklefile, debug=False,
                                    errorlog=yacc.NullLogger())

    folder = tools.cache_root() / "pyverilog"
    folder.mkdir(parents=True, exist_ok=True)
    tables = folder / "parser-tables.pickle"
    try:
        _parser = CachedParser(str(tables))
    except Exception:  # noqa: BLE001 - a truncated or foreign table file: build afresh and swap it in whole
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".pickle")
        os.close(fd)
        os.unlink(tmp)
        _parser = CachedParser(tmp)
        os.replace(tmp, tables)
    return _parser


def pyverilog_module_names(text: str) -> list[str] | None:
    """Module names in `text` as pyverilog reads them, or None when it cannot parse the text."""
    if "`" in text:
        text = re.sub(r"^[ \t]*`.*$", "", text, flags=re.M)  # directives: pyverilog wants them preprocessed
    with _parser_lock:
        try:
            parser = _pyverilog_parser()
            parser.lexer.lexer.lineno = 1
            tree = parser.parse(text)
        except Exception:  # noqa: BLE001 - ParseError, or anything pyverilog trips on
            return None
    return [d.name for d in tree.description.definitions if type(d).__name__ == "ModuleDef"]


def _comment_lead(text: str, start: int) -> int:
    """Where the comment lines directly above position `start` begin (no blank line between)."""
    lines_before = text[:start].split("\n")
    lead = start - len(lines_before[-1])
    for line in reversed(lines_before[:-1]):
        if not line.strip().startswith(("//", "/*", "*")):
            break
        lead -= len(line) + 1
    return lead


def split_modules(text: str, file: str = "") -> list[ModuleText]:
    """The complete modules in `text`, in order (a `module` without its `endmodule` is left out)."""
    blanked = source.blank_comments_and_strings(text)
    found: list[ModuleText] = []
    opened: tuple[str, int] | None = None
    for match in _MODULE_SPAN.finditer(blanked):
        if match.group(1):
            opened = (match.group(1), match.start())
        elif opened is not None:
            name, start = opened
            lead = _comment_lead(text, start)
            body = text[lead:match.end()] + "\n"
            found.append(ModuleText(name=name, text=body, file=file, line=text.count("\n", 0, lead) + 1,
                                    uses=source.instantiated_modules(body)))
            opened = None
    if found and pyverilog_module_names(text) == [m.name for m in found]:
        for module in found:
            module.parser = "pyverilog"
    return found


def defines(text: str) -> str:
    """The file's `define lines (continuations kept), to put before a module taken out of it."""
    return "".join(m.group(0) + "\n" for m in _DEFINE.finditer(text))


# ---- headers and blocks ----

def header_end(code: str) -> int:
    """The position just after the `;` that ends the module header (0 when there is no header)."""
    blanked = source.blank_comments_and_strings(code)
    match = re.search(r"\bmodule\b", blanked)
    if not match:
        return 0
    depth = 0
    for position in range(match.end(), len(blanked)):
        char = blanked[position]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == ";" and depth <= 0:
            return position + 1
    return 0


def split_header(code: str) -> tuple[str, str]:
    """(header from `module` to its `;`, the rest of the module); ("", code) when there is no header."""
    end = header_end(code)
    keyword = re.search(r"\bmodule\b", source.blank_comments_and_strings(code)) if end else None
    if keyword is None:
        return "", code
    start = keyword.start()
    rest = code[end:]
    return code[start:end].strip(), rest[1:] if rest.startswith("\n") else rest


def _cut_points(lines: list[str], size: float, parts: int) -> list[int]:
    """Line numbers where blocks start, near multiples of `size`, nudged to a statement's end."""
    cuts = [0]
    for part in range(1, parts):
        ideal = round(part * size)
        window = [i for i in range(ideal - 3, ideal + 4) if cuts[-1] < i < len(lines)]
        good = [i for i in window if not lines[i - 1].strip() or _BOUNDARY.search(lines[i - 1].rstrip())]
        choice = min(good or window or [ideal], key=lambda i: abs(i - ideal))
        if cuts[-1] < choice < len(lines):
            cuts.append(choice)
    return cuts


def split_blocks(code: str, count: int | None = None, target: int = BLOCK_LINES) -> list[str]:
    """`code` cut into consecutive verbatim blocks ("".join(blocks) == code): `count` blocks when given
    (and there are enough lines), else blocks of about `target` lines; cuts prefer statement ends."""
    lines = code.splitlines(keepends=True)
    solid = sum(1 for line in lines if line.strip())
    if not lines:
        return []
    parts = max(1, min(count, solid)) if count else max(1, round(solid / target) if solid >= target else 1)
    cuts = _cut_points(lines, len(lines) / parts, parts) + [len(lines)]
    return ["".join(lines[a:b]) for a, b in itertools.pairwise(cuts) if a < b]


# ---- identity and compiling ----

def normalized(code: str) -> str:
    """The code without comments and with whitespace collapsed: equal for copies that differ only there."""
    return " ".join(source.blank_comments_and_strings(code).split())


def entry_id(top: str, code: str) -> str:
    """A stable id: the top name and a digest of the normalized code."""
    return f"{top}-{hashlib.sha256(normalized(code).encode()).hexdigest()[:10]}"


def is_systemverilog(code: str) -> bool:
    return bool(_SYSTEMVERILOG.search(source.blank_comments_and_strings(code)))


def compile_check(code: str, top: str, timeout: float = 30.0) -> str | None:
    """None when iverilog -g2012 compiles `code` with `top` as root, else the first error (file:line:
    message). Raises sim.tools.ToolMissing when iverilog is not installed."""
    from aigchip.sim import lint
    from aigchip.sim.types import Severity

    name = f"{top}.sv" if is_systemverilog(code) else f"{top}.v"
    with tempfile.TemporaryDirectory(prefix="aigchip-corpus-") as folder:
        Path(folder, name).write_text(code, encoding="utf-8")
        found, result = lint.syntax_gate(Path(folder), [name], top, timeout=timeout)
    if result.timed_out:
        return f"iverilog did not finish within {timeout:g} s"
    errors = [d for d in found if d.severity is Severity.ERROR]
    if not errors and result.returncode == 0:
        return None
    if not errors:
        return (result.output.strip().splitlines() or [f"iverilog exited with {result.returncode}"])[-1][:300]
    first = errors[0]
    return f"line {first.line}: {first.message}"[:300] if first.line else first.message[:300]
