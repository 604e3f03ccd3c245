"""Where macros are in blanked Verilog code (sim/policy.py's scan): macro bodies and call argument lists, and
macro uses whose expansion joins the name beside them into one name."""

from __future__ import annotations

import bisect
import re
from typing import Iterator

OPEN_PAREN = re.compile(r"\s*\(\s*")
_DEFINE_BODY = re.compile(r"`define\s+[A-Za-z_]\w*(?:\([^)\n]*\))?((?:[^\n\\]|\\.|\\\n)*)")
_MACRO_CALL = re.compile(r"`[A-Za-z_]\w*\s*\(")
_MACRO_ARGS = re.compile(r"[^()]*(?:\([^()]*(?:\([^()]*\)[^()]*)*\)[^()]*)*\)")
_UNCLOSED_ARGS = 10_000  # how far a macro argument list whose end cannot be found is taken to reach

# compiler directives, which are not macro uses (their words never join anything)
_DIRECTIVES = frozenset("""define undef undefineall ifdef ifndef elsif else endif include timescale default_nettype
    resetall celldefine endcelldefine line pragma begin_keywords end_keywords unconnected_drive
    nounconnected_drive""".split())
_MACRO_USE = re.compile(r"`([A-Za-z_]\w*)")
_NAME_CHAR = re.compile(r"[\w$`]")
_BASED = re.compile(r"'[sS]?[bBoOdDhH]\s*$")  # 8'h`VALUE: a number's digits, not a name


def joined_uses(code: str) -> Iterator[tuple[int, str]]:
    """Macro uses whose expansion joins a name character or another macro right before or after them (after
    the argument list of a call): expanded, the pieces are one name."""
    joined_at = -1  # where the last use reported for what follows it ended: the next use there is that joint
    for m in _MACRO_USE.finditer(code):
        if m.group(1) in _DIRECTIVES:
            continue
        start, end = m.start(), m.end()
        if (call := OPEN_PAREN.match(code, end)) is not None and code[call.end() - 1] == "(":
            args = _MACRO_ARGS.match(code, call.end())
            end = args.end() if args else end
        before = start > 0 and _NAME_CHAR.match(code[start - 1]) is not None and code[start - 1] != "`" \
            and not _BASED.search(code[max(0, start - 4):start])
        after = end < len(code) and _NAME_CHAR.match(code[end]) is not None
        if (before and start != joined_at) or after:
            yield start, code[max(0, start - 12):end + 12].strip()
        joined_at = end if after else -1


def spans(code: str) -> list[tuple[int, int]]:
    """Where macro bodies and macro call argument lists are, as sorted, disjoint (start, end) offsets."""
    spans = [m.span(1) for m in _DEFINE_BODY.finditer(code)]
    for m in _MACRO_CALL.finditer(code):
        args = _MACRO_ARGS.match(code, m.end())
        spans.append((m.end(), args.end() if args else m.end() + _UNCLOSED_ARGS))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def inside(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]
