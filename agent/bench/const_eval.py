"""Values of constant Verilog expressions (literals, localparams, + - * & | ^ ~ << >>, all-zero concatenations),
so the mutator can skip a mutant that only rewrites a constant as itself (`state <= IDLE` to `state <= 0` when
IDLE is 0, the arms of a `?:` that are both zero, `x + 0` to `x - 0`).

Only localparams count as known: a module's parameters can be overridden where it is instantiated.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_MODULE_SPAN = re.compile(r"\bmodule\b.*?(?:\bendmodule\b|\Z)", re.S)
_LOCALPARAM = re.compile(r"\blocalparam\b([^;]*);")
_ASSIGNED = re.compile(r"^\s*(?:(?:integer|signed|unsigned|logic|bit)\s+)*(\[[^\]]*\])?\s*([A-Za-z_]\w*)\s*=\s*(.+)$", re.S)
_LITERAL = re.compile(r"(?:(\d[\d_]*)\s*)?'([sS]?)([bBoOdDhH])\s*([0-9a-fA-F_]+)|(\d[\d_]*)")
_TOKEN = re.compile(r"\s*(\d[\d_]*\s*'[sS]?[bBoOdDhH]\s*[0-9a-fA-F_xXzZ?]+|'[sS]?[bBoOdDhH]\s*[0-9a-fA-F_xXzZ?]+|\d[\d_]*"
                    r"|[A-Za-z_]\w*|<<<|>>>|<<|>>|[-+*&|^~(){},])")
_RADIX = {"b": 2, "o": 8, "d": 10, "h": 16}
_PYTHON_OPS = {"<<<": "<<", ">>>": ">>"}


class Constant(NamedTuple):
    value: int
    width: int | None  # None: not known (an expression, an unsized literal)


Scope = tuple[int, int, dict[str, Constant]]


def localparam_scopes(blank: str) -> list[Scope]:
    """Per module of the comment-blanked text `blank`: its span and its localparams' known values."""
    scopes = []
    for module in _MODULE_SPAN.finditer(blank):
        known: dict[str, Constant] = {}
        for decl in _LOCALPARAM.finditer(module.group()):
            for piece in _split_commas(decl.group(1)):
                assigned = _ASSIGNED.match(piece)
                if assigned is None:
                    continue
                found = value_of(assigned.group(3), known)
                width = _range_width(assigned.group(1)) if assigned.group(1) else found.width if found else None
                if found is not None:
                    known[assigned.group(2)] = Constant(found.value % (1 << width) if width else found.value, width)
        scopes.append((module.start(), module.end(), known))
    return scopes


def known_at(scopes: list[Scope], position: int) -> dict[str, Constant]:
    return next((known for start, end, known in scopes if start <= position < end), {})


def same_constant(a: str, b: str, known: dict[str, Constant]) -> bool:
    """True when the expressions `a` and `b` are constants of one value (and one width, unless both are 0)."""
    first, second = value_of(a, known), value_of(b, known)
    if first is None or second is None or first.value != second.value:
        return False
    return first.value == 0 or (first.width is not None and first.width == second.width)


def value_of(text: str, known: dict[str, Constant]) -> Constant | None:
    """The value of the constant expression `text`, or None when it reads anything else."""
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if match is None:
            return None
        tokens.append(match.group(1))
        pos = match.end()
    if not tokens:
        return None
    if "{" in tokens:
        return _zero_concatenation(tokens, known)
    parts, width = [], None
    for token in tokens:
        if token[0].isdigit() or token[0] == "'":
            literal = _literal(token)
            if literal is None:
                return None
            parts.append(str(literal.value))
            width = literal.width if len(tokens) == 1 else None
        elif token[0].isalpha() or token[0] == "_":
            if token not in known:
                return None
            parts.append(str(known[token].value))
            width = known[token].width if len(tokens) == 1 else None
        else:
            parts.append(_PYTHON_OPS.get(token, token))
    if any(op in tokens for op in ("<<", "<<<")) and any(p.isdigit() and int(p) > 1024 for p in parts):
        return None  # 1 << 10**9 is not worth computing
    try:
        value = eval(" ".join(parts), {"__builtins__": {}}, {})  # digits, parentheses and operators only
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, MemoryError):
        return None
    return Constant(int(value), width) if isinstance(value, int) else None


def _zero_concatenation(tokens: list[str], known: dict[str, Constant]) -> Constant | None:
    """A concatenation or replication whose every element is zero is zero (its counts do not matter)."""
    for i, token in enumerate(tokens):
        if token in "{},":
            continue
        is_count = i + 1 < len(tokens) and tokens[i + 1] == "{"
        if is_count:
            continue
        element = value_of(token, known)
        if element is None or element.value != 0:
            return None
    return Constant(0, None)


def _literal(token: str) -> Constant | None:
    match = _LITERAL.fullmatch(token.replace(" ", ""))
    if match is None:
        return None
    if match.group(5) is not None:
        return Constant(int(match.group(5).replace("_", "")), None)
    width = int(match.group(1).replace("_", "")) if match.group(1) else None
    value = int(match.group(4).replace("_", ""), _RADIX[match.group(3).lower()])
    return Constant(value, width)


def _range_width(bracket: str) -> int | None:
    bounds = re.fullmatch(r"\[\s*(\d+)\s*:\s*(\d+)\s*\]", bracket)
    return abs(int(bounds.group(1)) - int(bounds.group(2))) + 1 if bounds else None


def _split_commas(text: str) -> list[str]:
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    return pieces + [text[start:]]
