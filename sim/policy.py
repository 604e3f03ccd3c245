"""Refuse dangerous constructs in untrusted (generated) Verilog before any tool runs.

Regex-based and linear. Comments and string contents are blanked (newlines and quotes kept), so an
offset in the blanked code is the same offset in the original, where string contents (paths) are read.
A first line of defence: the sandbox in sim/process.py remains the security boundary.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Iterator, NamedTuple

from aigchip.sim import macros
from aigchip.sim.types import Design, Diagnostic, Severity

RULES: dict[str, str] = {
    "verilator-c": "Verilator inline C++ ($c, $cpure, `systemc_* sections) is compiled into the model and runs",
    "dpi": 'DPI imports and exports ("DPI-C") call native code outside the simulator',
    "system": "$system runs a shell command",
    "file-access": "$fopen, $readmem*, $writemem*, $dumpfile take only plain, relative string-literal paths (not "
                   "cost.json; when the testbench decides, reads only of the design's own files); $ivlh_* and "
                   "other file tasks that cannot be checked are refused",
    "include": "`include takes only relative paths (and, when the testbench decides, only the design's own files)",
    "finish": "when the testbench decides pass/fail, the design must not end the simulation ($finish, $stop, ...)",
    "hierarchy": "when the testbench decides pass/fail, the design must not reach into it ($root, tb.x, bind, ...)",
    "macro-paste": "macro token pasting can assemble a refused name out of harmless pieces",
    "conditional": "when the testbench decides pass/fail, every `ifdef/`ifndef in a design file ends in that file",
    "line-end": "a carriage return ends a line only with a newline after it (CRLF): alone, Icarus ends a // comment "
                "there while Verilator and these checks read on, so code could hide from them",
}

# top-level scopes cocotb's runners add around the design: Icarus's waveform dumper, Verilator's C++ wrapper
COCOTB_WRAPPERS = frozenset({"cocotb_iverilog_dump", "TOP"})

# files the tests leave in the run folder for aigchip to read (sim/cost_proof.py), which the design shares
HARNESS_FILES = frozenset({"cost.json"})

# One lexical token the masker cares about: a comment, a string literal, or an escaped identifier.
_TOKEN = re.compile(r'//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:[^"\\\n]|\\.)*(?P<close>"?)|\\\S+', re.S)
_SIMPLE_NAME = re.compile(r"[A-Za-z_][\w$]*")
_NOT_NEWLINE = re.compile(r"[^\n]+")
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"', re.S)
_ANGLE_PATH = re.compile(r"<([^>\n]*)>")

_INLINE_CPP = re.compile(r"\$c(?:pure|stmt)?\d*\b|`systemc_\w*|`verilog\b", re.I)
_CPP_METACOMMENT = re.compile(r"(?://|/\*)\s*verilator\s+\w*(?:cpp|systemc)", re.I)
_DPI_NAME = re.compile(r"\s*DPI(?:-\w+)?\s*`?\s*", re.I)
_DPI_BY_MACRO = re.compile(r"(?:import|export)\s*`")
_SYSTEM = re.compile(r"\$system\b", re.I)
_FILE_TASK = re.compile(r"\$(?:fopen[arw]?|readmem[hb]|writemem[hb]|dumpfile|sdf_annotate)\b", re.I)
# file access the literal-path check cannot follow: Icarus's VHDL file I/O (callable from Verilog, any path),
# a search path for $readmem*, Verilog-A table files, and the interactive tasks that name files
_UNCHECKABLE_FILE_TASK = re.compile(r"\$(?:ivlh_\w+|readmempath|table_model|dumpports\w*|input|save|incsave|"
                                    r"restart|log|key)\b", re.I)
_INCLUDE = re.compile(r"`include\b")
_CONDITIONAL = re.compile(r"`(ifdef|ifndef|elsif|else|endif)\b")
_EARLY_END = re.compile(r"\$(?:finish\w*|stop|fatal|exit)\b", re.I)
_ROOT = re.compile(r"\$(?:root|unit)\b", re.I)
_MACRO_HEAD = re.compile(r"(`[A-Za-z_]\w*)\s*(?:\.|::)")
_NOT_A_HEAD = re.compile(r"[\w$.'`\\]")  # a name after one of these is part of another name, or a member
_BIND = re.compile(r"\bbind\s+[A-Za-z_\\$]")
_SEPARATOR_AND_NAME = re.compile(r"(?:\.|::)\s*(?:[A-Za-z_$][\w$]*)?")
# a macro call's argument list, and the [...] groups after a name, each with up to three levels of nesting
_INDEXES = re.compile(r"\s*(?:\[[^\[\];]*(?:\[[^\[\];]*(?:\[[^\[\];]*\][^\[\];]*)*\][^\[\];]*)*\]\s*)*")
_MACRO_PASTE = re.compile(r"``|\$\w*`|`\w+\s*\(\s*\)(?=[\w$])")
_NO_ARGS = re.compile(r"\s*;")
_ARG_END = re.compile(r"\s*[,)]")
_SPACE = re.compile(r"\s*")
_ABSOLUTE = re.compile(r"\s*(?:[/\\~]|[A-Za-z]:)")

_SCOPE_NAME = re.compile(
    r"\b(?:(?:macro)?module|interface|program|package|class)\s+(?:(?:automatic|static)\s+)?([A-Za-z_]\w*)"
    r"|\b(?:begin|fork)\s*:\s*([A-Za-z_]\w*)|\}\s*([A-Za-z_]\w*)\s*[;,=\[]"  # the last: struct variables
)
# `Type name (` / `Type #(...) name [3:0] (` / `Type name;`: instances and user-typed variables.
_TYPED_NAME = re.compile(
    r"(?<![\w$`.'\\])([A-Za-z_]\w*)(?:\s+|\s*#\s*\((?:[^();]|\([^();]{0,200}\)){0,400}\)\s*)"
    r"([A-Za-z_]\w*)\s*(?:\[[^\];]{0,100}\]\s*){0,4}[(;,=]"
)
_BUILTIN_TYPES = frozenset("""
    input output inout ref wire reg logic bit byte int integer shortint longint real shortreal realtime
    time string event chandle void var signed unsigned const static automatic genvar parameter
    localparam typedef struct union enum packed tri tri0 tri1 triand trior trireg wand wor uwire
    supply0 supply1 assign deassign force release return else begin end case default posedge
    negedge edge if for while repeat forever do foreach initial always always_ff always_comb
    always_latch function task module import export new virtual rand randc disable wait unique
    priority inside defparam and or nand nor xor xnor not buf bufif0 bufif1 notif0 notif1
""".split())


class _Finding(NamedTuple):
    pos: int
    code: str
    message: str


class _Source(NamedTuple):
    text: str  # the original
    code: str  # comments and string contents blanked; same length as text
    strings: list[re.Match[str]]
    comments: list[re.Match[str]]


class _Context(NamedTuple):
    testbench_decides: bool
    design_files: frozenset[str]  # base names, case-folded
    testbench_files: frozenset[str]
    testbench_names: frozenset[str]  # modules, instances, blocks, typed variables the testbench declares


def check(design: Design, *, testbench_decides: bool = False,
          testbench_files: dict[str, str] | None = None) -> list[Diagnostic]:
    """One error Diagnostic per violation (code = rule id, see RULES); empty: the design may run."""
    testbench_files = testbench_files or {}
    sources = {name: _scan(text) for name, text in design.files.items()}
    theirs = [_testbench_names(text) for text in testbench_files.values()] if testbench_decides else []
    context = _Context(
        testbench_decides, frozenset(map(_base_name, design.files)), frozenset(map(_base_name, testbench_files)),
        frozenset().union(COCOTB_WRAPPERS, *theirs))
    diagnostics = []
    for name, src in sources.items():
        line_starts = [0] + [m.end() for m in re.finditer("\n", src.text)]
        for finding in sorted(_findings(src, context)):
            line = bisect.bisect_right(line_starts, finding.pos)
            diagnostics.append(Diagnostic(
                message=finding.message, severity=Severity.ERROR, file=name, line=line,
                column=finding.pos - line_starts[line - 1] + 1, code=finding.code, source="policy"))
    return diagnostics


_LONE_CR = re.compile(r"\r(?!\n)")


def _findings(src: _Source, context: _Context) -> Iterator[_Finding]:
    for m in _LONE_CR.finditer(src.text):
        yield _Finding(m.start(), "line-end", "a carriage return without a newline after it: Icarus ends a // "
                       "comment there and the other readers do not; end lines with a newline (or CRLF)")
    yield from _inline_cpp(src)
    yield from _dpi(src)
    yield from _system(src)
    yield from _file_access(src, context)
    yield from _includes(src, context)
    yield from _macro_paste(src)
    if context.testbench_decides:
        yield from _early_end(src)
        yield from _conditionals(src)
        yield from _hierarchy(src, context)


def _scan(text: str) -> _Source:
    strings: list[re.Match[str]] = []
    comments: list[re.Match[str]] = []

    def blank(m: re.Match[str]) -> str:
        token = m.group()
        if token[0] == '"':
            strings.append(m)
            inner = token[1:len(token) - len(m.group("close"))]
            return '"' + _blank(inner) + m.group("close")
        if token[0] == "/":
            comments.append(m)
        elif _SIMPLE_NAME.fullmatch(token, 1):
            return " " + token[1:]  # \name is the identifier name
        return _blank(token)

    return _Source(text, _TOKEN.sub(blank, text), strings, comments)


def _blank(text: str) -> str:
    if "\n" not in text:
        return " " * len(text)
    return _NOT_NEWLINE.sub(lambda m: " " * len(m.group()), text)


def _base_name(path: str) -> str:
    return re.split(r"[/\\]", path)[-1].casefold()


def _inline_cpp(src: _Source) -> Iterator[_Finding]:
    why = "Verilator compiles it as C++ into the simulation, where it can run anything"
    for m in _INLINE_CPP.finditer(src.code):
        yield _Finding(m.start(), "verilator-c", f"{m.group()} is not allowed in generated code: {why}")
    for c in src.comments:
        if _CPP_METACOMMENT.match(src.text, c.start(), c.end()):
            yield _Finding(c.start(), "verilator-c", f"a Verilator C++ metacomment is not allowed: {why}")


def _dpi(src: _Source) -> Iterator[_Finding]:
    why = "DPI imports and exports call native C code outside the simulator"
    for s in src.strings:
        inner_end = s.end() - len(s.group("close"))
        if inner_end - s.start() < 16 and _DPI_NAME.fullmatch(src.text, s.start() + 1, inner_end):
            yield _Finding(s.start(), "dpi", f"{s.group()} is not allowed in generated code: {why}")
    for m in _DPI_BY_MACRO.finditer(src.code):
        yield _Finding(m.start(), "dpi", f"an import or export through a macro cannot be checked: {why}")


def _system(src: _Source) -> Iterator[_Finding]:
    for m in _SYSTEM.finditer(src.code):
        yield _Finding(m.start(), "system", "$system is not allowed in generated code: it runs a shell command")


def _file_access(src: _Source, context: _Context) -> Iterator[_Finding]:
    for m in _UNCHECKABLE_FILE_TASK.finditer(src.code):
        yield _Finding(m.start(), "file-access", f"{m.group()} is not allowed in generated code: it reads or writes "
                       "files in ways the run-folder check cannot follow (use $fopen or $readmemh with a plain name)")
    for m in _FILE_TASK.finditer(src.code):
        task = m.group()
        paren = macros.OPEN_PAREN.match(src.code, m.end())
        if not paren:
            if not _NO_ARGS.match(src.code, m.end()):
                yield _Finding(m.start(), "file-access",
                               f"{task} without a visible argument list (a macro?) cannot be checked; call it directly")
            continue
        literal = _STRING.match(src.text, paren.end())
        if not literal or not _ARG_END.match(src.code, literal.end()):
            yield _Finding(m.start(), "file-access", f"{task} with a path that is not a plain string literal "
                           "cannot be checked; write the file name as a literal like \"data.hex\"")
            continue
        problem = _path_problem(literal.group(1), context, may_name_design=True)
        if problem is None and context.testbench_decides:
            problem = _read_problem(task, literal.group(1), src, literal.end(), context)
        if problem:
            yield _Finding(m.start(), "file-access", f"{task}({literal.group()}) is not allowed: {problem}")


def _read_problem(task: str, path: str, src: _Source, after_path: int, context: _Context) -> str | None:
    """When the testbench decides, the design reads only its own files: anything else in the run folder was
    written while it ran (a $dumpvars VCD of the testbench and its reference, a log) and could leak answers."""
    name = task.lower()
    if name.startswith("$fopen") and name != "$fopenr":
        mode = _STRING.match(src.text, _SPACE.match(src.code, _ARG_END.match(src.code, after_path).end()).end())
        if src.code[_ARG_END.match(src.code, after_path).end() - 1] == ")" or name in ("$fopenw", "$fopena"):
            return None  # no mode (a multi-channel descriptor, for writing), or a write-only variant
        if mode is None:
            return "a mode that is not a plain string literal cannot be checked; write it like \"w\""
        if not ("r" in mode.group(1) or "+" in mode.group(1)):
            return None
    elif not name.startswith(("$readmem", "$sdf_annotate", "$fopenr")):
        return None  # $writemem*, $dumpfile only write
    if _base_name(path) in context.design_files and not re.search(r"[/\\]", path.removeprefix("./")):
        return None
    return "when the testbench decides, the design may read only its own files (this is not one of them)"


def _includes(src: _Source, context: _Context) -> Iterator[_Finding]:
    for m in _INCLUDE.finditer(src.code):
        start = _SPACE.match(src.code, m.end()).end()
        literal = _STRING.match(src.text, start) or _ANGLE_PATH.match(src.text, start)
        if not literal:
            yield _Finding(m.start(), "include", "`include of something other than a plain \"file\" cannot be checked")
            continue
        problem = _path_problem(literal.group(1), context, may_name_design=False)
        if problem:
            yield _Finding(m.start(), "include", f"`include {literal.group()} is not allowed: {problem}")


def _path_problem(path: str, context: _Context, *, may_name_design: bool) -> str | None:
    """Why a literal path may not be used, or None. Include targets must be design files if the testbench decides."""
    if _base_name(path) in HARNESS_FILES:
        return f"aigchip reads {_base_name(path)} from the run folder (what the tests measured), so the design must not write it"
    if _ABSOLUTE.match(path):
        return "an absolute path reaches outside the run's folder"
    if ".." in (part.strip() for part in re.split(r"[/\\]", path)):
        return "a '..' component reaches outside the run's folder"
    if "\\" in path:
        return "a path with backslashes or escape sequences cannot be checked"
    if context.testbench_decides:
        name = _base_name(path)
        if name in context.testbench_files:
            return "the design must not read the testbench's files"
        if not may_name_design and name not in context.design_files:
            return "only the design's own files may be included"
    return None


def _macro_paste(src: _Source) -> Iterator[_Finding]:
    found = []
    for m in _MACRO_PASTE.finditer(src.code):
        found.append(m.span())
        yield _Finding(m.start(), "macro-paste", f"{m.group().strip()!r} pastes tokens together, which can "
                       "assemble a refused name out of harmless pieces; write names out in full")
    begins = [begin for begin, _ in found]  # finditer's matches: sorted and disjoint
    for start, text in macros.joined_uses(src.code):
        at = bisect.bisect_right(begins, start) - 1
        if at >= 0 and start < found[at][1]:
            continue  # the same joint, said above
        yield _Finding(start, "macro-paste", f"{text!r} joins a macro's text to the name or macro beside it "
                       "(`A`B, Ref`B, `A(x)y), which can assemble a refused name out of harmless pieces; "
                       "write names out in full")


def _conditionals(src: _Source) -> Iterator[_Finding]:
    """Files are preprocessed as one stream, so an `ifdef left open here would hide the testbench's code up to
    its next `endif (Icarus only warns), and a stray `endif or `else would end one of the testbench's."""
    why = "the design's files are read before the testbench's, so it would change which testbench code is compiled"
    open_at: list[int] = []
    for m in _CONDITIONAL.finditer(src.code):
        if m.group(1) in ("ifdef", "ifndef"):
            open_at.append(m.start())
        elif not open_at:
            yield _Finding(m.start(), "conditional", f"`{m.group(1)} without an `ifdef/`ifndef before it in this file: {why}")
        elif m.group(1) == "endif":
            open_at.pop()
    for start in open_at:
        yield _Finding(start, "conditional", f"this `ifdef/`ifndef has no `endif in this file: {why}")


def _early_end(src: _Source) -> Iterator[_Finding]:
    for m in _EARLY_END.finditer(src.code):
        yield _Finding(m.start(), "finish", f"{m.group()} is not allowed in the design under test: the testbench "
                       "decides pass or fail, and the design must not end the simulation early")


def _hierarchy(src: _Source, context: _Context) -> Iterator[_Finding]:
    """A testbench name as the head of a hierarchical name, whatever the design declares: the design can
    declare anything (even in never-compiled `ifdef text), so its own names never make such a reference safe.
    Macros could assemble the reference out of sight, so a testbench name in a macro's body or arguments, or
    before a macro, is refused too."""
    why = "the design must not reach into the testbench that judges it"
    for m in _ROOT.finditer(src.code):
        yield _Finding(m.start(), "hierarchy", f"{m.group()} is not allowed in the design under test: {why}")
    for m in _BIND.finditer(src.code):
        yield _Finding(m.start(), "hierarchy", f"bind is not allowed in the design under test: it puts code "
                       f"into another module's scope, and {why}")
    for m in _MACRO_HEAD.finditer(src.code):
        if m.start() and _NOT_A_HEAD.match(src.code, m.start() - 1):
            continue
        yield _Finding(m.start(), "hierarchy", f"a hierarchical reference through the macro {m.group(1)} "
                       f"cannot be checked: {why}")
    if not context.testbench_names:
        return
    names = re.compile(r"(?:{})(?![\w$])".format("|".join(
        map(re.escape, sorted(context.testbench_names, key=len, reverse=True)))))
    in_macros = macros.spans(src.code)
    for m in names.finditer(src.code):  # a look-behind here would cost seconds on a 4 MB file
        if m.start() and _NOT_A_HEAD.match(src.code, m.start() - 1):
            continue
        head, after = m.group(), _INDEXES.match(src.code, m.end()).end()
        rename = f"if {head} is the design's own, rename it"
        if dotted := _SEPARATOR_AND_NAME.match(src.code, after):
            reference = re.sub(r"\s+", "", src.code[m.start():after] + dotted.group())
            yield _Finding(m.start(), "hierarchy", f"{reference} may reach into the testbench ({head} is a "
                           f"name the testbench declares): {why}; {rename}")
        elif src.code.startswith(("`", "[", ".", "::"), after) or macros.inside(in_macros, m.start()):
            yield _Finding(m.start(), "hierarchy", f"{head} is a name the testbench declares, and what surrounds "
                           f"it here (a macro, deep indexing) could make it a hierarchical reference: {why}; {rename}")


@functools.lru_cache(maxsize=64)
def _testbench_names(text: str) -> frozenset[str]:
    """The names a testbench declares, scanned once per testbench text: every sample and iteration of a task
    is checked against the same testbench."""
    return frozenset(_declared_names(_scan(text).code))


def _declared_names(code: str) -> set[str]:
    """Module, block and instance names, and variables of user-defined types, declared in blanked code."""
    names = {"".join(groups) for groups in _SCOPE_NAME.findall(code)}
    names.update(name for type_name, name in _TYPED_NAME.findall(code) if type_name not in _BUILTIN_TYPES)
    return names
