"""Mutants of Verilog text: operators, constants, off-by-one, dropped resets, swapped signals, stuck outputs.
`aigchip.bench.mutate` scores a task's tests with them.

Sites are found in the comment-and-string-blanked text (so nothing in a comment or string is touched) and
the edit is applied to the original. Never mutated: module headers, port and parameter declarations,
bracketed ranges and selects, compiler directives, delays and #(...) overrides, sensitivity lists,
for/while/repeat headers, replication counts, and system task arguments other than $signed/$unsigned.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterator, NamedTuple

from aigchip.bench.mutant_sites import CLOSE, DECL_WORDS, OPEN, Code, Token

CLASSES = ("arith", "logic", "relational", "constant", "off_by_one", "reset", "swap", "stuck", "shift")
_OPERATOR_SWAPS = {
    "arith": {"+": "-", "-": "+", "*": "+"},
    "logic": {"&": "|", "|": "&", "^": "|", "&&": "||", "||": "&&", "~": "", "!": ""},
    "relational": {"==": "!=", "!=": "==", "===": "!==", "!==": "===", "<": ">", ">": "<", "<=": ">=", ">=": "<="},
    "off_by_one": {"<": "<=", "<=": "<", ">": ">=", ">=": ">"},
    "shift": {"<<": ">>", ">>": "<<", ">>>": ">>", "<<<": ">>>"},
}
_COMPARISONS = frozenset(_OPERATOR_SWAPS["relational"])


class Mutant(NamedTuple):
    id: str  # stable for a given solution text: class, line, column (and +1/-1 for literals); `file:` first
    operator: str  # one of CLASSES
    line: int
    original: str  # the snippet replaced
    replacement: str
    text: str  # the whole mutated source
    file: str = ""  # which file of a several-file solution


class _Edit(NamedTuple):
    cls: str
    start: int
    end: int
    new: str
    tag: str = ""
    same: bool = False  # trivially equivalent: it rewrites a constant as itself


_RESET_NAME = re.compile(r"(?i)rst|reset")
_ACTIVE_LOW = re.compile(r"(?i)(?:_n|_b|_l|_ni|rstn|resetn)$")
_SIZED = re.compile(r"(?P<size>\d[\d_]*)?\s*'[sS]?(?P<base>[bBoOdDhH])\s*(?P<digits>[0-9a-fA-F_]+)")
_RADIX = {"b": 2, "o": 8, "d": 10, "h": 16}
_WIDTH_DECL = re.compile(r"\b(?:input|output|inout|wire|reg|logic)\b((?:\s+(?:wire|reg|logic|signed|unsigned|var)\b)*)"
                         r"\s*(\[[^\]]*\])?")
_DECLARED_NAME = re.compile(r"\s*([A-Za-z_][\w$]*)\s*(?:\[[^\]]*\]\s*)*(=)?")
_COMMA = re.compile(r"\s*,")


_ZERO_NEUTRAL = frozenset({"+", "-", "^", "<<", ">>", "<<<", ">>>"})  # x op 0 == x for each of these
_OPERAND_END = frozenset({")", ";", ",", "]", "}", ":", "?"})


def _operator_edits(code: Code) -> Iterator[_Edit]:
    for i, tok in enumerate(code.toks):
        if tok.kind != "op" or not code.live(i) or i in code.assignments:
            continue
        zero_right = (tok.text in _ZERO_NEUTRAL and i + 2 < len(code.toks) and code.toks[i + 2].text in _OPERAND_END
                      and code.same_constant(code.toks[i + 1].text, "0", tok.start))
        for cls, table in _OPERATOR_SWAPS.items():
            if tok.text in table:
                yield _Edit(cls, tok.start, tok.end, table[tok.text],
                            same=zero_right and table[tok.text] in _ZERO_NEUTRAL)


def _literal_variants(literal: str) -> list[tuple[str, str]]:
    """(tag, new literal) for value+1 and value-1 where they fit, keeping size, base and digit count."""
    sized = _SIZED.fullmatch(literal)
    if sized:
        radix, digits = _RADIX[sized["base"].lower()], sized["digits"].replace("_", "")
        value, width = int(digits, radix), int(sized["size"].replace("_", "")) if sized["size"] else 32
        prefix, upper = literal[:sized.start("digits")], any(c.isupper() for c in digits)

        def spell(v: int) -> str:
            body = format(v, {2: "b", 8: "o", 10: "d", 16: "x"}[radix]).zfill(len(digits) if radix != 10 else 1)
            return prefix + (body.upper() if upper else body)
    elif re.fullmatch(r"\d[\d_]*", literal):
        value, width = int(literal.replace("_", "")), 32

        def spell(v: int) -> str:
            return str(v)
    else:
        return []  # reals, x/z/? digits
    return [(tag, spell(new)) for tag, new in (("+1", value + 1), ("-1", value - 1)) if 0 <= new < 2 ** width]


def _literal_edits(code: Code) -> Iterator[_Edit]:
    toks = code.toks
    for i, tok in enumerate(toks):
        if tok.kind != "num" or not code.live(i) or (i + 1 < len(toks) and toks[i + 1].text in ("{", "'")):
            continue
        before, after = i - 1, i + 1
        while before >= 0 and toks[before].text in ("-", "+", "("):
            before -= 1
        while after < len(toks) and toks[after].text == ")":
            after += 1
        bound = any(0 <= k < len(toks) and toks[k].text in _COMPARISONS and k not in code.assignments
                    for k in (before, after))
        for tag, new in _literal_variants(tok.text):
            yield _Edit("off_by_one" if bound else "constant", tok.start, tok.end, new, tag)


def _is_reset_branch(code: Code, lo: int, hi: int) -> bool:
    """True when the if-condition between tokens lo..hi holds while a reset is asserted."""
    name = next((k for k in range(lo, hi + 1) if code.toks[k].kind == "id" and _RESET_NAME.search(code.toks[k].text)), None)
    if name is None:
        return False
    after = [t.text for t in code.toks[name + 1:min(name + 3, hi + 1)]]
    negated = code.toks[name - 1].text in ("!", "~") or (
        len(after) == 2 and after[0] == "==" and bool(re.fullmatch(r"(?:\d*'[bdhBDH])?0+", after[1])))
    return negated == bool(_ACTIVE_LOW.search(code.toks[name].text))


def _branch_end(code: Code, first: int) -> int | None:
    if first >= len(code.toks) or code.toks[first].text != "begin":
        return code.statement_end(first - 1)
    depth = 0
    for j in range(first, len(code.toks)):
        depth += (code.toks[j].text == "begin") - (code.toks[j].text == "end")
        if depth == 0:
            return j
    return None


def _reset_edits(code: Code) -> Iterator[_Edit]:
    for i, tok in enumerate(code.toks):
        if tok.text != "if" or not code.live(i) or i + 1 not in code.match or code.toks[i + 1].text != "(":
            continue
        close = code.match[i + 1]
        if close <= i + 2 or not _is_reset_branch(code, i + 2, close - 1):
            continue
        body_end = _branch_end(code, close + 1)
        for op in sorted(a for a in code.assignments if close < a < (body_end or close)):
            lvalue, end = code.lvalue_start(op), code.statement_end(op)
            if lvalue is not None and end is not None:
                yield _Edit("reset", code.toks[lvalue].start, code.toks[end].end, ";")


def _stuck_edits(code: Code) -> Iterator[_Edit]:
    for op in sorted(code.assignments):
        lvalue, end = code.lvalue_start(op), code.statement_end(op, (";", ","))
        if not code.live(op) or lvalue is None or end is None or end <= op + 1:
            continue
        constant_rhs = not any(code.toks[j].kind == "id" and code.live(j) and not code.toks[j].text.startswith("$")
                               for j in range(op + 1, end))
        if not constant_rhs and not code.declares_variable(lvalue):
            rhs = code.span(op + 1, end - 1)
            yield _Edit("stuck", code.toks[op + 1].start, code.toks[end - 1].end, "0",
                        same=code.same_constant(rhs, "0", code.toks[op].start))


def _simple_operand(code: Code, i: int) -> bool:
    return code.live(i) and code.toks[i].kind in ("id", "num") and not code.toks[i].text.startswith(("$", "`"))


def _swap_tokens(code: Code, left: Token, right: Token) -> _Edit:
    return _Edit("swap", left.start, right.end, right.text + code.text[left.end:right.start] + left.text,
                 same=code.same_constant(left.text, right.text, left.start))


def _operand_swaps(code: Code) -> Iterator[_Edit]:
    toks = code.toks
    for i, tok in enumerate(toks):
        if tok.text not in ("-", "/", "%") or not code.live(i) or not (_simple_operand(code, i - 1)
                                                                       and _simple_operand(code, i + 1)):
            continue
        if (i >= 2 and toks[i - 2].text in (".", "'", "#")) or (i + 2 < len(toks) and toks[i + 2].text in
                                                                  ("[", "(", "'", ".", "::")):
            continue
        if toks[i - 1].text != toks[i + 1].text:
            yield _swap_tokens(code, toks[i - 1], toks[i + 1])


def _ternary_arms(code: Code, question: int) -> tuple[int, int, int] | None:
    """For the `?` at `question`: its `:` and the first and last tokens of the false arm, as indices."""
    depth, nested, colon = 0, 0, None
    for j in range(question + 1, len(code.toks)):
        text = code.toks[j].text
        if text in OPEN:
            depth += 1
            continue
        if text in CLOSE:
            depth -= 1
        if depth < 0 or (depth == 0 and (text in (";", ",", "end", "endcase") or (colon and text == ":" and not nested))):
            return (colon, colon + 1, j - 1) if colon is not None and j - 1 > colon else None
        if depth == 0 and text == "?":
            nested += 1
        elif depth == 0 and text == ":":
            if colon is None and not nested:
                colon = j
            else:
                nested -= 1
    return None


def _ternary_swaps(code: Code) -> Iterator[_Edit]:
    for i, tok in enumerate(code.toks):
        arms = _ternary_arms(code, i) if tok.text == "?" and code.live(i) else None
        if arms is None or arms[0] <= i + 1:
            continue
        colon, lo, hi = arms
        when_true, when_false = code.span(i + 1, colon - 1), code.span(lo, hi)
        if when_true != when_false:
            middle = code.text[code.toks[colon - 1].end:code.toks[lo].start]
            yield _Edit("swap", code.toks[i + 1].start, code.toks[hi].end, when_false + middle + when_true,
                        same=code.same_constant(when_true, when_false, tok.start))


def _declared_widths(blank: str) -> dict[str, str]:
    widths: dict[str, str] = {}
    for decl in _WIDTH_DECL.finditer(blank):
        width, pos = re.sub(r"\s+", "", decl.group(2) or "1"), decl.end()
        while (name := _DECLARED_NAME.match(blank, pos)) and name.group(1) not in DECL_WORDS | {"input", "output", "inout"}:
            widths.setdefault(name.group(1), width)
            comma = _COMMA.match(blank, name.end())
            if name.group(2) or not comma:
                break
            pos = comma.end()
    return widths


def _concat_swaps(code: Code) -> Iterator[_Edit]:
    widths = _declared_widths(code.blank)
    for i, tok in enumerate(code.toks):
        if tok.text != "{" or not code.live(i) or i not in code.match:
            continue
        elements: list[list[int]] = []
        current: list[int] = []
        j = i + 1
        while j < code.match[i]:
            if code.toks[j].text == ",":
                elements.append(current)
                current = []
            else:
                current.append(j)
            j = code.match[j] + 1 if code.toks[j].text in OPEN and j in code.match else j + 1
        elements.append(current)
        for first, second in itertools.pairwise(elements):
            if len(first) == len(second) == 1:
                a, b = code.toks[first[0]], code.toks[second[0]]
                if a.kind == b.kind == "id" and a.text != b.text and widths.get(a.text, "?a") == widths.get(b.text, "?b"):
                    yield _swap_tokens(code, a, b)


def all_mutants(text: str, *, file: str = "") -> list[Mutant]:
    """Every mutant of `text`, in source order, without duplicates or trivially equivalent ones (ids start with
    `file:` when a file is named)."""
    return mutant_pool(text, file=file)[0]


def mutant_pool(text: str, *, file: str = "") -> tuple[list[Mutant], int]:
    """Every mutant of `text` (as all_mutants), and how many trivially equivalent ones were left out."""
    code = Code(text)
    edits = [*_operator_edits(code), *_literal_edits(code), *_reset_edits(code), *_stuck_edits(code),
             *_operand_swaps(code), *_ternary_swaps(code), *_concat_swaps(code)]
    found, seen_texts, seen_ids, same = [], {text}, set(), 0
    prefix = f"{file}:" if file else ""
    for edit in sorted(set(edits), key=lambda e: (e.start, CLASSES.index(e.cls), e.end, e.tag)):
        mutated = text[:edit.start] + edit.new + text[edit.end:]
        if mutated in seen_texts:
            continue
        seen_texts.add(mutated)
        if edit.same:
            same += 1
            continue
        line = text.count("\n", 0, edit.start) + 1
        column = edit.start - text.rfind("\n", 0, edit.start)
        base = f"{prefix}{edit.cls}-L{line}C{column}{edit.tag}"
        mutant_id = base if base not in seen_ids else next(f"{base}.{n}" for n in range(2, 99) if f"{base}.{n}" not in seen_ids)
        seen_ids.add(mutant_id)
        found.append(Mutant(mutant_id, edit.cls, line, text[edit.start:edit.end], edit.new, mutated, file))
    return found, same
