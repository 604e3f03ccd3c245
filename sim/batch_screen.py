"""Which candidates and tests may share one cocotb simulation (sim/cocotb_batch.py), and the renaming that
lets several candidates coexist in it.

A candidate shares a simulation only when nothing in it can reach a neighbour or depend on when its turn
comes: no delays or other sense of simulated time, no system task beyond arithmetic (no $finish, $random,
files, $root, and no printing: Icarus buffers what the design prints apart from cocotb's lines, so it could
not be told whose log it belongs in, and a neighbour could write into another's), no compiler directive but a `timescale equal to the simulation's, nothing
outside its modules, no packages, interfaces or classes, no escaped identifiers, and its module names used
only where modules are defined or instantiated (they are renamed per candidate). Tests share it only when they never read the
simulated time, the top's name or the other tops. Everything else is checked alone: correctness first.
"""

from __future__ import annotations

import re
from pathlib import Path

from aigchip.sim import source
from aigchip.sim.types import Design

# system tasks and functions that only compute (nothing that prints: see the module's docstring)
_HARMLESS_SYSTEM = frozenset(
    "signed unsigned clog2 bits size high low left right increment dimensions countones onehot onehot0 isunknown "
    "rtoi itor realtobits bitstoreal shortrealtobits bitstoshortreal ln log10 exp sqrt pow floor "
    "ceil sin cos tan asin acos atan atan2 hypot sinh cosh tanh".split())
_SYSTEM = re.compile(r"\$([A-Za-z_][\w$]*)")
_DIRECTIVE = re.compile(r"`(\w+)([^\n]*)")
_TIMESCALE = re.compile(r"^\s*(\d+)\s*(s|ms|us|ns|ps|fs)\s*/\s*(\d+)\s*(s|ms|us|ns|ps|fs)\s*$")
_UNSHARED_WORDS = re.compile(
    r"\b(?:specify|specparam|timeunit|timeprecision|package|endpackage|interface|class|program|checker|config|"
    r"primitive|bind|final|import|export|extern|uwire)\b|::")
_DELAY = re.compile(r"#")
_WORD_BEFORE = re.compile(r"([A-Za-z_][\w$]*)\s*$")
_MODULE_HEAD = re.compile(r"\b(?:macro)?module\s+(?:(?:automatic|static)\s+)?([A-Za-z_][\w$]*)")
_SPAN = re.compile(r"\b(?:macro)?module\b.*?\bendmodule\b", re.S)
# what a test must not read to be re-run per instance: simulated time, the top's name, the other tops
_TEST_UNSHARED = re.compile(r"sim_time|simtime|sim_steps|\btops\b|\._name\b|\._path\b|\._def_name\b|\._def_file\b"
                            r"|TOPLEVEL")


def design_shareable(design: Design, timescale: tuple[str, str]) -> bool:
    """Whether `design` may share a simulation with other candidates."""
    if not design.files or not all(name.endswith((".v", ".sv")) for name in design.files):
        return False
    blanks = {name: source.blank_comments_and_strings(text) for name, text in design.files.items()}
    own = {m for body in blanks.values() for m in _MODULE_HEAD.findall(body)}
    if not own or design.top not in own:
        return False
    for body in blanks.values():
        if "\\" in body:  # an escaped identifier: renaming and the checks below read plain names only
            return False
        if not _directives_ok(body, timescale) or _UNSHARED_WORDS.search(body):
            return False
        if any(m.group(1) not in _HARMLESS_SYSTEM for m in _SYSTEM.finditer(body)):
            return False
        if _SPAN.sub("", _DIRECTIVE.sub("", body)).strip():
            return False  # something outside the modules: shared by every file compiled after it
        if not _delays_ok(body, own) or not _names_ok(body, own):
            return False
    return True


def _directives_ok(body: str, timescale: tuple[str, str]) -> bool:
    """Only `timescale equal to the simulation's (which is what a file without one gets anyway)."""
    want = [_split_time(t) for t in timescale]
    for m in _DIRECTIVE.finditer(body):
        if m.group(1) != "timescale":
            return False
        found = _TIMESCALE.match(m.group(2))
        if not found or [(int(found[1]), found[2]), (int(found[3]), found[4])] != want:
            return False
    return True


def _split_time(text: str) -> tuple[int, str]:
    m = re.fullmatch(r"\s*(\d+)\s*(\w+)\s*", text)
    return (int(m[1]), m[2]) if m else (0, text)


def _delays_ok(body: str, own: set[str]) -> bool:
    """Every `#` is a parameter list right after one of the candidate's own module names (a header or an
    instance); any other is a delay, which makes the candidate depend on when it is simulated."""
    for m in _DELAY.finditer(body):
        start = max(0, m.start() - 256)
        before = _WORD_BEFORE.search(body[start:m.start()])  # a bounded look back
        if before is not None and start > 0 and before.start() == 0:
            return False  # the word may go on before the stretch looked at (`initial` seen as `al`): unsure
        if not body[m.end():].lstrip().startswith("(") or before is None or before.group(1) not in own:
            return False
    return True


def _names_ok(body: str, own: set[str]) -> bool:
    """The candidate's module names appear only where a module is defined or instantiated."""
    allowed = len(_MODULE_HEAD.findall(body)) + sum(1 for kind, _ in source.instances(body) if kind in own)
    used = sum(1 for word in re.findall(r"[A-Za-z_][\w$]*", body) if word in own)
    return used == allowed


def rename(text: str, names: set[str], suffix: str) -> str:
    """`text` with every module name in `names` (where it is defined or instantiated: see _names_ok) given
    `suffix`; comments and strings untouched, lines kept."""
    body = source.blank_comments_and_strings(text)
    out, last = [], 0
    for m in re.finditer(r"[A-Za-z_][\w$]*", body):
        if m.group(0) in names:
            out.append(text[last:m.end()] + suffix)
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def module_names(design: Design) -> set[str]:
    return {m for text in design.files.values() for m in source.module_names(text)}


def tests_shareable(test_files: list[Path]) -> bool:
    """Whether the tests (the module and the Python beside it) can run once per instance in one simulation."""
    for path in test_files:
        if path.suffix != ".py":
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        if _TEST_UNSHARED.search(text):
            return False
    return True
