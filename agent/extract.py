"""From a model's reply (free text) to code: `extract` finds the Verilog `Design`, `python_tests` the cocotb
test module; each says exactly why there is none, worded for the model."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, Field

from aigchip.sim.source import blank_comments_and_strings, instantiated_modules
from aigchip.sim.types import Design, Diagnostic, Severity, Status

VERILOG_LABELS = frozenset({"", "verilog", "v", "vlog", "vh", "systemverilog", "sv", "svh"})
SYSTEMVERILOG_LABELS = frozenset({"systemverilog", "sv", "svh"})

_FENCE_OPEN = re.compile(r"([ \t]*)(`{3,}|~{3,})(.*)")
_LABEL = re.compile(r"[{.\s]*([A-Za-z]*)")
_BEGIN_DONE = re.compile(r"\[BEGIN\](.*?)(\[DONE\]|\Z)", re.S)
_PYTHON_BLOCK = re.compile(r"```[ \t]*(?:python|py)[ \t]*\n(.*?)(?:```|\Z)", re.S)
_THINKING = re.compile(r"<think>.*?(?:</think>|\Z)", re.S)
_UNIT_START = re.compile(
    r"\b(?:macro)?(module|package)\s+(?:(?:automatic|static)\s+)?([A-Za-z_][\w$]*)(?=\s*(?:[#(;]|import\b|\Z))")
_UNIT_END = re.compile(r"\bend(module|package)\b(?:[ \t]*:[ \t]*[A-Za-z_][\w$]*)?")
_DIRECTIVE = re.compile(
    r"[ \t]*`(?:timescale|define|undef|default_nettype|resetall|include|ifdef|ifndef|elsif|else|endif)\b(?!`)")
_CONDITIONAL = re.compile(r"`(?:ifdef|ifndef|elsif|else|endif)\b")
_SCOPE_REFERENCE = re.compile(r"(?<![\w$])([A-Za-z_][\w$]*)\s*::")
_SYSTEMVERILOG_WORDS = re.compile(
    r"\b(?:logic|always_ff|always_comb|always_latch|typedef|enum|struct|package|interface)\b")


class Extraction(BaseModel):
    """What `extract` made of a reply: the design, or why there is none (for the model and a person)."""

    design: Design | None  # None when nothing usable
    status: Status | None  # None when `design` is usable; else NO_CODE or COMPILE_ERROR
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    language: str = "verilog"  # or "systemverilog"


@dataclass(eq=False)
class _Block:
    text: str
    label: str
    loose: bool = False  # prose may follow the code: a fence left open, [BEGIN] without [DONE]
    bare: bool = False  # prose may sit anywhere between the modules


@dataclass(eq=False)
class _Unit:
    kind: str  # "module" or "package"
    name: str
    block: _Block
    start: int
    end: int
    complete: bool  # has its `endmodule` / `endpackage`

    @property
    def text(self) -> str:
        return self.block.text[self.start:self.end]


def extract(reply: str, top: str) -> Extraction:
    """The design in `reply` whose top module is `top`, with the modules and packages it needs and no others."""
    text = reply.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    answer = _THINKING.sub("", text) if "<think>" in text else text  # drafts in a reasoning model's thoughts
    blocks, units, other_labels = _find_code(answer)
    if not units and answer is not text:
        blocks, units, other_labels = _find_code(text)
    if not any(u.kind == "module" for u in units):
        return Extraction(design=None, status=Status.NO_CODE, diagnostics=[_no_code(text, blocks, other_labels, top)],
                          language=_language(blocks, ""))
    latest = {(u.kind, u.name): u for u in units if u.complete}
    kept, missing = _needed(latest, top)
    diagnostics = _cut_off(units, latest, top, missing)
    if not any(u.kind == "module" and u.name == top for u in units):
        diagnostics.append(_missing_top(top, units))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return Extraction(design=None, status=Status.COMPILE_ERROR, diagnostics=diagnostics,
                          language=_language(blocks, "\n".join(u.text for u in units)))
    definitions = Counter((u.kind, u.name) for u in units if u.complete)
    diagnostics += [_diagnostic("duplicate-module", f"The {u.kind} `{u.name}` is defined {definitions[u.kind, u.name]} "
                                "times in the reply; the last complete definition was used.", Severity.INFO)
                    for u in kept if definitions[u.kind, u.name] > 1]
    source, kept_blocks = _assemble(units, kept)
    language = _language(kept_blocks, source)
    name = f"{top}.sv" if language == "systemverilog" else f"{top}.v"
    return Extraction(design=Design(files={name: source}, top=top), status=None, diagnostics=diagnostics,
                      language=language)


def _find_code(text: str) -> tuple[list[_Block], list[_Unit], list[str]]:
    """The first kind of source that holds a module: Verilog fences, then [BEGIN]..[DONE], then bare text."""
    fenced = _fenced_blocks(text)
    other_labels = list(dict.fromkeys(b.label for b in fenced if b.label not in VERILOG_LABELS))
    begin_done = [_Block(m[1], "", loose=not m[2]) for m in _BEGIN_DONE.finditer(text)]
    for blocks in ([b for b in fenced if b.label in VERILOG_LABELS], begin_done, [_Block(text, "", True, True)]):
        units = [u for b in blocks for u in _units(b)]
        if any(u.kind == "module" for u in units):
            return blocks, units, other_labels
    return [b for b in fenced if b.label in VERILOG_LABELS], [], other_labels


def _fenced_blocks(text: str) -> list[_Block]:
    """Code fences (``` or ~~~) as Markdown reads them; also closed by a fence glued to the last code line."""
    lines = text.split("\n")
    blocks: list[_Block] = []
    fence: tuple[int, int, str, str] | None = None  # first body line, indent, marker, label of the open fence
    for i in (i for i, line in enumerate(lines) if "```" in line or "~~~" in line):
        opening = _fence_opening(lines[i], i)
        if fence is None:
            fence = opening
            continue
        first, indent, marker, label = fence
        if opening and opening[3]:  # a labelled fence inside a fence: the model forgot to close the last one
            blocks.append(_Block(_dedented(lines[first:i], indent), label, loose=True))
            fence = opening
            continue
        code = lines[i].rstrip()
        run = len(code) - len(code.rstrip(marker[0]))
        if run >= len(marker):
            glued = [code[:-run]] if code[:-run].strip() else []
            blocks.append(_Block(_dedented(lines[first:i] + glued, indent), label))
            fence = None
    if fence is not None:
        blocks.append(_Block(_dedented(lines[fence[0]:], fence[1]), fence[3], loose=True))
    return blocks


def _fence_opening(line: str, index: int) -> tuple[int, int, str, str] | None:
    """First body line, indent, marker and label of the fence that `line` opens, if it opens one."""
    m = _FENCE_OPEN.match(line)
    if not m or (m[2][0] == "`" and "`" in m[3]):
        return None
    label = _LABEL.match(m[3])  # all optional: it always matches
    return index + 1, len(m[1]), m[2], label[1].lower() if label else ""


def _dedented(lines: list[str], indent: int) -> str:
    if indent:
        lines = [line[min(indent, len(line) - len(line.lstrip(" \t"))):] for line in lines]
    return "\n".join(lines)


def _units(block: _Block) -> list[_Unit]:
    """Modules and packages in a block; one without its `end...` runs to the next one or the block's end."""
    if "module" not in block.text and "package" not in block.text:
        return []
    blanked = blank_comments_and_strings(block.text)
    starts = [m for m in _UNIT_START.finditer(blanked)
              if not block.bare or not blanked[blanked.rfind("\n", 0, m.start()) + 1:m.start()].strip()]
    ends: dict[str, list[re.Match[str]]] = {"module": [], "package": []}
    for m in _UNIT_END.finditer(blanked):
        ends[m[1]].append(m)
    end_positions = {kind: [m.start() for m in found] for kind, found in ends.items()}
    units = []
    for i, m in enumerate(starts):
        limit = starts[i + 1].start() if i + 1 < len(starts) else len(blanked)
        j = bisect.bisect_left(end_positions[m[1]], m.end())
        complete = j < len(ends[m[1]]) and ends[m[1]][j].start() < limit
        units.append(_Unit(m[1], m[2], block, m.start(), ends[m[1]][j].end() if complete else limit, complete))
    return units


def _needed(latest: dict[tuple[str, str], _Unit], top: str) -> tuple[list[_Unit], set[tuple[str, str]]]:
    """The top and what it instantiates or imports, transitively; and the names used with no complete definition."""
    kept: dict[tuple[str, str], _Unit] = {}
    missing: set[tuple[str, str]] = set()
    queue = [("module", top)]
    while queue:
        key = queue.pop()
        if key in kept:
            continue
        if key not in latest:
            missing.add(key)
            continue
        kept[key] = unit = latest[key]
        body = blank_comments_and_strings(unit.text)
        queue += [("module", name) for name in instantiated_modules(unit.text) if name != unit.name]
        queue += [("package", name) for name in dict.fromkeys(_SCOPE_REFERENCE.findall(body))]
    return list(kept.values()), missing


def _cut_off(units: list[_Unit], latest: dict[tuple[str, str], _Unit], top: str,
             missing: set[tuple[str, str]]) -> list[Diagnostic]:
    """Say which definitions are cut off: an error if the design needs them, else a note that they were left out."""
    order = {unit: i for i, unit in enumerate(units)}
    diagnostics, reported = [], set()
    for unit in reversed(units):  # the last cut-off definition of each name is the one to judge
        what, key = f"{unit.kind} `{unit.name}`", (unit.kind, unit.name)
        if unit.complete or key in reported:
            continue
        reported.add(key)
        if key in missing:  # the top or something it uses, with no complete definition
            diagnostics.append(_diagnostic(
                "truncated", f"The {what} is cut off: it has no `end{unit.kind}` (the reply probably hit its length "
                f"limit). Send the whole {what} again, from `{unit.kind}` to `end{unit.kind}`, in one ```verilog "
                "block; leave out explanations and testbenches to keep the reply short."))
        elif key in latest and order[unit] > order[latest[key]]:
            diagnostics.append(_diagnostic(
                "truncated", f"The last definition of {what} is cut off (no `end{unit.kind}`); the earlier complete "
                "definition was used instead.", Severity.WARNING))
        elif key not in latest:
            diagnostics.append(_diagnostic(
                "truncated", f"The {what} is cut off (no `end{unit.kind}`); `{top}` does not use it, so it was left "
                "out.", Severity.INFO))
    return diagnostics[::-1]


def _missing_top(top: str, units: list[_Unit]) -> Diagnostic:
    found = list(dict.fromkeys(u.name for u in units if u.kind == "module"))
    hint = next((f" (`{n}` differs only in letter case)" for n in found if n.lower() == top.lower()), "")
    return _diagnostic(
        "missing-top", f"No module is named `{top}`; the reply defines {_names(found)}{hint}. The top module must be "
        f"named exactly `{top}` with the ports the task gives: send the whole design again with `module {top}`.")


def _assemble(units: list[_Unit], kept: list[_Unit]) -> tuple[str, list[_Block]]:
    """The blocks holding kept definitions, in reply order, less the definitions not kept; text between them once."""
    keep, seen_between, pieces = set(kept), set(), []
    units_of: dict[_Block, list[_Unit | None]] = {}
    for unit in units:
        units_of.setdefault(unit.block, []).append(unit)
    blocks = [block for block, inside in units_of.items() if any(u in keep for u in inside)]
    for block in blocks:
        cursor = 0
        for upto in units_of[block] + [None]:
            between = block.text[cursor:upto.start if upto else len(block.text)]
            if block.bare or (block.loose and upto is None):
                between = _directive_lines(between)
            between = between.strip()
            if between and between not in seen_between:
                pieces.append(between)
                if not _CONDITIONAL.search(between):
                    seen_between.add(between)
            if upto is not None:
                if upto in keep:
                    pieces.append(upto.text)
                cursor = upto.end
    return "\n\n".join(pieces) + "\n", blocks


def _directive_lines(text: str) -> str:
    """Only the compiler-directive lines (and `define continuations) of text that may hold prose."""
    kept, continuing = [], False
    for line in text.split("\n"):
        if continuing or _DIRECTIVE.match(line):
            kept.append(line)
            continuing = line.rstrip().endswith("\\")
    return "\n".join(kept)


def _language(blocks: list[_Block], source: str) -> str:
    if any(b.label in SYSTEMVERILOG_LABELS for b in blocks):
        return "systemverilog"
    return "systemverilog" if _SYSTEMVERILOG_WORDS.search(blank_comments_and_strings(source)) else "verilog"


def _no_code(text: str, blocks: list[_Block], other_labels: list[str], top: str) -> Diagnostic:
    ask = (f"Reply with the complete design in one ```verilog block holding module `{top}` (from `module {top}` "
           "to `endmodule`) and any submodules it instantiates.")
    if not text.strip():
        return _diagnostic("no-code", f"The reply was empty. {ask}")
    if blocks:
        return _diagnostic("no-code", f"The reply's code blocks hold no Verilog module. {ask}")
    if other_labels:
        return _diagnostic("no-code", f"The reply has code only in blocks marked {_names(other_labels)}, "
                                      f"not Verilog. {ask}")
    return _diagnostic("prose-only", f"The reply has no Verilog code (no ```verilog block, no `module`). {ask}")


def _names(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _diagnostic(code: str, message: str, severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(message=message, severity=severity, code=code, source="extract")


def python_tests(reply: str) -> tuple[str | None, str]:
    """The cocotb test module in a reply (its last ```python block), or what is wrong with it (worded for
    the model): (code, "") or (None, problem)."""
    blocks = _PYTHON_BLOCK.findall(reply)
    if not blocks:
        return None, "Your reply has no ```python block. Reply with the complete cocotb test module in one."
    code = blocks[-1]
    try:
        compile(code, "test.py", "exec")
    except SyntaxError as exc:
        return None, f"The test module does not parse: line {exc.lineno}: {exc.msg}. Reply with the corrected module."
    if "@cocotb.test" not in code:
        return None, "The module has no @cocotb.test() function. Reply with the complete test module."
    return code, ""
