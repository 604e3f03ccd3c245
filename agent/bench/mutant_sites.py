"""Where a Verilog text may be mutated: its tokens (found in the comment-and-string-blanked text), which of
them are excluded (headers, declarations, ranges, directives, delays, sensitivity lists, loop headers,
replication counts, system task arguments) and which `=` / `<=` are assignments."""

from __future__ import annotations

import re
from typing import NamedTuple

from aigchip.bench import const_eval
from aigchip.sim import source

OPEN, CLOSE = frozenset("([{"), frozenset(")]}")


class Token(NamedTuple):
    kind: str  # num, id or op
    text: str
    start: int
    end: int


_LEX = re.compile(
    r"(?P<num>(?:\d[\d_]*\s*)?'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ?_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?"
    r"|'[01xXzZ](?![\w']))"
    r"|(?P<id>[A-Za-z_][\w$]*|\$[\w$]+|\\\S+|`\w+)"
    r"|(?P<op><<<=?|>>>=?|===|!==|<<=|>>=|\+:|-:|\+\+|--|->|==|!=|<=|>=|&&|\|\||\*\*|<<|>>|~[&|^]|\^~|::"
    r"|[-+*/%&|^]=|\S)")
_EXCLUDED_TEXT = [
    re.compile(r"^[ \t]*`\w+(?:[^\n]*\\\n)*[^\n]*", re.M),  # compiler directives, `timescale included
    re.compile(r"\b(?:macro)?module\b[^;]*;"),  # the module header: parameters and ports
    re.compile(r"\b(?:input|output|inout|parameter|localparam|defparam|genvar)\b[^;]*;"),
    re.compile(r"\(\*(?!\s*\)).*?\*\)", re.S),  # attributes
]
_HEADER_WORDS = frozenset({"for", "while", "repeat", "@"})
DECL_WORDS = frozenset("wire tri wand wor reg logic integer int bit byte shortint longint signed unsigned var "
                        "real time genvar".split())

class Code:
    """The solution's tokens, which of them may be mutated, and which `=` / `<=` are assignments."""

    def __init__(self, text: str) -> None:
        self.text, self.blank = text, source.blank_comments_and_strings(text)
        self.toks = [Token(m.lastgroup or "op", m.group(), m.start(), m.end()) for m in _LEX.finditer(self.blank)]
        self.match = self._match_brackets()
        self.skip = self._excluded()
        self.assignments = self._assignment_ops()
        self.scopes = const_eval.localparam_scopes(self.blank)

    def same_constant(self, a: str, b: str, position: int) -> bool:
        return const_eval.same_constant(a, b, const_eval.known_at(self.scopes, position))

    def _match_brackets(self) -> dict[int, int]:
        match, stack = {}, []
        for i, tok in enumerate(self.toks):
            if tok.text in OPEN:
                stack.append(i)
            elif tok.text in CLOSE and stack and self.toks[stack[-1]].text == "([{"[")]}".index(tok.text)]:
                opener = stack.pop()
                match[opener], match[i] = i, opener
        return match

    def _excluded(self) -> list[bool]:
        masked = bytearray(len(self.blank))
        for pattern in _EXCLUDED_TEXT:
            for m in pattern.finditer(self.blank):
                masked[m.start():m.end()] = b"\1" * (m.end() - m.start())
        skip = [bool(masked[t.start]) for t in self.toks]

        def hide(lo: int, hi: int) -> None:
            skip[lo:hi + 1] = [True] * (hi + 1 - lo)

        for i, tok in enumerate(self.toks):
            after = self.toks[i + 1].text if i + 1 < len(self.toks) else ""
            if tok.text == "[" and i in self.match:
                hide(i, self.match[i])
            elif tok.text == "#" or (tok.text == "@" and after == "*"):
                hide(i, self.match.get(i + 1, i + 1) if after == "(" else i + 1)
            elif after == "(" and i + 1 in self.match and (tok.text in _HEADER_WORDS or (
                    tok.text.startswith("$") and tok.text not in ("$signed", "$unsigned"))):
                hide(i, self.match[i + 1])
            elif tok.text == "{" and i in self.match:
                inner = self._replication_brace(i)
                if inner is not None:
                    hide(i + 1, inner - 1)  # a replication count: changing it changes widths
        return skip

    def _replication_brace(self, i: int) -> int | None:
        j = i + 1
        while j < self.match[i]:
            if self.toks[j].text in (",", "}"):
                return None
            if self.toks[j].text == "{":
                return j if j > i + 1 else None
            j = self.match.get(j, j) + 1 if self.toks[j].text in OPEN else j + 1
        return None

    def _assignment_ops(self) -> set[int]:
        """`=` / `<=` at bracket depth 0, the first in its statement: assignments, not comparisons."""
        found, depth, seen = set(), 0, False
        for i, tok in enumerate(self.toks):
            if tok.text in OPEN:
                depth += 1
            elif tok.text in CLOSE:
                depth = max(0, depth - 1)
            elif tok.text in (";", "begin", "end", "else") or (tok.text == "," and depth == 0):
                seen = False  # (a depth-0 comma separates the assignments of one declaration)
            elif tok.text in ("=", "<=") and depth == 0 and not seen:
                found.add(i)
                seen = True
        return found

    def live(self, i: int) -> bool:
        return 0 <= i < len(self.toks) and not self.skip[i]

    def statement_end(self, i: int, stops: tuple[str, ...] = (";",)) -> int | None:
        """Index of the `;` (or other stop) that ends the statement holding token i."""
        depth = 0
        for j in range(i + 1, len(self.toks)):
            text = self.toks[j].text
            depth += (text in OPEN) - (text in CLOSE)
            if depth < 0:
                return None
            if text in stops and depth == 0:
                return j
        return None

    def lvalue_start(self, op: int) -> int | None:
        j = op - 1
        while j >= 0 and self.toks[j].text == "]" and j in self.match:
            j = self.match[j] - 1
        if j >= 0 and self.toks[j].text == "}":
            return self.match.get(j)
        return j if j >= 0 and self.toks[j].kind == "id" else None

    def declares_variable(self, lvalue: int) -> bool:
        """`reg x = 0;`: the assignment is a variable's initial value (not so for `wire x = a & b;`)."""
        k, words = lvalue - 1, set()
        while k >= 0 and (self.toks[k].text in DECL_WORDS or (self.toks[k].text == "]" and k in self.match)):
            words.add(self.toks[k].text)
            k = self.match[k] - 1 if self.toks[k].text == "]" else k - 1
        return bool(words & DECL_WORDS - {"wire", "tri", "wand", "wor", "signed", "unsigned"})

    def span(self, lo: int, hi: int) -> str:
        return self.text[self.toks[lo].start:self.toks[hi].end]


