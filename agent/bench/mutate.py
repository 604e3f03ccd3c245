"""Mutation testing of a benchmark task's tests: mutate the task's known-good solution, run the task's own
tests on every mutant, and report the share they kill. Strong tests kill nearly every mutant; a survivor is
either a gap in the tests or an equivalent mutant (one no test could tell apart), which a person can record
in the task's notes.md as `equivalent: <mutant-id> - reason`.

Sites are found in the comment-and-string-blanked text (so nothing in a comment or string is touched) and
the edit is applied to the original. Never mutated: module headers, port and parameter declarations,
bracketed ranges and selects, compiler directives, delays and #(...) overrides, sensitivity lists,
for/while/repeat headers, replication counts, and system task arguments other than $signed/$unsigned.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, NamedTuple

from pydantic import BaseModel, Field

from aigchip.sim import source

CLASSES = ("arith", "logic", "relational", "constant", "off_by_one", "reset", "swap", "stuck", "shift")
_OPERATOR_SWAPS = {
    "arith": {"+": "-", "-": "+", "*": "+"},
    "logic": {"&": "|", "|": "&", "^": "|", "&&": "||", "||": "&&", "~": "", "!": ""},
    "relational": {"==": "!=", "!=": "==", "===": "!==", "!==": "===", "<": ">", ">": "<", "<=": ">=", ">=": "<="},
    "off_by_one": {"<": "<=", "<=": "<", ">": ">=", ">=": ">"},
    "shift": {"<<": ">>", ">>": "<<", ">>>": ">>", "<<<": ">>>"},
}
_COMPARISONS = frozenset(_OPERATOR_SWAPS["relational"])
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


class Mutant(NamedTuple):
    id: str  # stable for a given solution text: class, line, column (and +1/-1 for literals)
    operator: str  # one of CLASSES
    line: int
    original: str  # the snippet replaced
    replacement: str
    text: str  # the whole mutated source


class _Token(NamedTuple):
    kind: str  # num, id or op
    text: str
    start: int
    end: int


class _Edit(NamedTuple):
    cls: str
    start: int
    end: int
    new: str
    tag: str = ""


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
_DECL_WORDS = frozenset("wire tri wand wor reg logic integer int bit byte shortint longint signed unsigned var "
                        "real time genvar".split())
_RESET_NAME = re.compile(r"(?i)rst|reset")
_ACTIVE_LOW = re.compile(r"(?i)(?:_n|_b|_l|_ni|rstn|resetn)$")
_SIZED = re.compile(r"(?P<size>\d[\d_]*)?\s*'[sS]?(?P<base>[bBoOdDhH])\s*(?P<digits>[0-9a-fA-F_]+)")
_RADIX = {"b": 2, "o": 8, "d": 10, "h": 16}
_WIDTH_DECL = re.compile(r"\b(?:input|output|inout|wire|reg|logic)\b((?:\s+(?:wire|reg|logic|signed|unsigned|var)\b)*)"
                         r"\s*(\[[^\]]*\])?")
_DECLARED_NAME = re.compile(r"\s*([A-Za-z_][\w$]*)\s*(?:\[[^\]]*\]\s*)*(=)?")
_COMMA = re.compile(r"\s*,")


class _Code:
    """The solution's tokens, which of them may be mutated, and which `=` / `<=` are assignments."""

    def __init__(self, text: str) -> None:
        self.text, self.blank = text, source.blank_comments_and_strings(text)
        self.toks = [_Token(m.lastgroup or "op", m.group(), m.start(), m.end()) for m in _LEX.finditer(self.blank)]
        self.match = self._match_brackets()
        self.skip = self._excluded()
        self.assignments = self._assignment_ops()

    def _match_brackets(self) -> dict[int, int]:
        match, stack = {}, []
        for i, tok in enumerate(self.toks):
            if tok.text in _OPEN:
                stack.append(i)
            elif tok.text in _CLOSE and stack and self.toks[stack[-1]].text == "([{"[")]}".index(tok.text)]:
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
            j = self.match.get(j, j) + 1 if self.toks[j].text in _OPEN else j + 1
        return None

    def _assignment_ops(self) -> set[int]:
        """`=` / `<=` at bracket depth 0, the first in its statement: assignments, not comparisons."""
        found, depth, seen = set(), 0, False
        for i, tok in enumerate(self.toks):
            if tok.text in _OPEN:
                depth += 1
            elif tok.text in _CLOSE:
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
            depth += (text in _OPEN) - (text in _CLOSE)
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
        while k >= 0 and (self.toks[k].text in _DECL_WORDS or (self.toks[k].text == "]" and k in self.match)):
            words.add(self.toks[k].text)
            k = self.match[k] - 1 if self.toks[k].text == "]" else k - 1
        return bool(words & _DECL_WORDS - {"wire", "tri", "wand", "wor", "signed", "unsigned"})

    def span(self, lo: int, hi: int) -> str:
        return self.text[self.toks[lo].start:self.toks[hi].end]


def _operator_edits(code: _Code) -> Iterator[_Edit]:
    for i, tok in enumerate(code.toks):
        if tok.kind != "op" or not code.live(i) or i in code.assignments:
            continue
        for cls, table in _OPERATOR_SWAPS.items():
            if tok.text in table:
                yield _Edit(cls, tok.start, tok.end, table[tok.text])


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
        value, width, spell = int(literal.replace("_", "")), 32, str
    else:
        return []  # reals, x/z/? digits
    return [(tag, spell(new)) for tag, new in (("+1", value + 1), ("-1", value - 1)) if 0 <= new < 2 ** width]


def _literal_edits(code: _Code) -> Iterator[_Edit]:
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


def _is_reset_branch(code: _Code, lo: int, hi: int) -> bool:
    """True when the if-condition between tokens lo..hi holds while a reset is asserted."""
    name = next((k for k in range(lo, hi + 1) if code.toks[k].kind == "id" and _RESET_NAME.search(code.toks[k].text)), None)
    if name is None:
        return False
    after = [t.text for t in code.toks[name + 1:min(name + 3, hi + 1)]]
    negated = code.toks[name - 1].text in ("!", "~") or (
        len(after) == 2 and after[0] == "==" and bool(re.fullmatch(r"(?:\d*'[bdhBDH])?0+", after[1])))
    return negated == bool(_ACTIVE_LOW.search(code.toks[name].text))


def _branch_end(code: _Code, first: int) -> int | None:
    if first >= len(code.toks) or code.toks[first].text != "begin":
        return code.statement_end(first - 1)
    depth = 0
    for j in range(first, len(code.toks)):
        depth += (code.toks[j].text == "begin") - (code.toks[j].text == "end")
        if depth == 0:
            return j
    return None


def _reset_edits(code: _Code) -> Iterator[_Edit]:
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


def _stuck_edits(code: _Code) -> Iterator[_Edit]:
    for op in sorted(code.assignments):
        lvalue, end = code.lvalue_start(op), code.statement_end(op, (";", ","))
        if not code.live(op) or lvalue is None or end is None or end <= op + 1:
            continue
        constant_rhs = not any(code.toks[j].kind == "id" and code.live(j) and not code.toks[j].text.startswith("$")
                               for j in range(op + 1, end))
        if not constant_rhs and not code.declares_variable(lvalue):
            yield _Edit("stuck", code.toks[op + 1].start, code.toks[end - 1].end, "0")


def _simple_operand(code: _Code, i: int) -> bool:
    return code.live(i) and code.toks[i].kind in ("id", "num") and not code.toks[i].text.startswith(("$", "`"))


def _swap_tokens(code: _Code, left: _Token, right: _Token) -> _Edit:
    return _Edit("swap", left.start, right.end, right.text + code.text[left.end:right.start] + left.text)


def _operand_swaps(code: _Code) -> Iterator[_Edit]:
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


def _ternary_arms(code: _Code, question: int) -> tuple[int, int, int] | None:
    """For the `?` at `question`: its `:` and the first and last tokens of the false arm, as indices."""
    depth, nested, colon = 0, 0, None
    for j in range(question + 1, len(code.toks)):
        text = code.toks[j].text
        if text in _OPEN:
            depth += 1
            continue
        if text in _CLOSE:
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


def _ternary_swaps(code: _Code) -> Iterator[_Edit]:
    for i, tok in enumerate(code.toks):
        arms = _ternary_arms(code, i) if tok.text == "?" and code.live(i) else None
        if arms is None or arms[0] <= i + 1:
            continue
        colon, lo, hi = arms
        when_true, when_false = code.span(i + 1, colon - 1), code.span(lo, hi)
        if when_true != when_false:
            middle = code.text[code.toks[colon - 1].end:code.toks[lo].start]
            yield _Edit("swap", code.toks[i + 1].start, code.toks[hi].end, when_false + middle + when_true)


def _declared_widths(blank: str) -> dict[str, str]:
    widths: dict[str, str] = {}
    for decl in _WIDTH_DECL.finditer(blank):
        width, pos = re.sub(r"\s+", "", decl.group(2) or "1"), decl.end()
        while (name := _DECLARED_NAME.match(blank, pos)) and name.group(1) not in _DECL_WORDS | {"input", "output", "inout"}:
            widths.setdefault(name.group(1), width)
            comma = _COMMA.match(blank, name.end())
            if name.group(2) or not comma:
                break
            pos = comma.end()
    return widths


def _concat_swaps(code: _Code) -> Iterator[_Edit]:
    widths = _declared_widths(code.blank)
    for i, tok in enumerate(code.toks):
        if tok.text != "{" or not code.live(i) or i not in code.match:
            continue
        elements, current, j = [], [], i + 1
        while j < code.match[i]:
            if code.toks[j].text == ",":
                elements.append(current)
                current = []
            else:
                current.append(j)
            j = code.match[j] + 1 if code.toks[j].text in _OPEN and j in code.match else j + 1
        elements.append(current)
        for first, second in zip(elements, elements[1:]):
            if len(first) == len(second) == 1:
                a, b = code.toks[first[0]], code.toks[second[0]]
                if a.kind == b.kind == "id" and a.text != b.text and widths.get(a.text, "?a") == widths.get(b.text, "?b"):
                    yield _swap_tokens(code, a, b)


def all_mutants(text: str) -> list[Mutant]:
    """Every mutant of `text`, in source order, without duplicates."""
    code = _Code(text)
    edits = [*_operator_edits(code), *_literal_edits(code), *_reset_edits(code), *_stuck_edits(code),
             *_operand_swaps(code), *_ternary_swaps(code), *_concat_swaps(code)]
    found, seen_texts, seen_ids = [], {text}, set()
    for edit in sorted(set(edits), key=lambda e: (e.start, CLASSES.index(e.cls), e.end, e.tag)):
        mutated = text[:edit.start] + edit.new + text[edit.end:]
        if mutated in seen_texts:
            continue
        line = text.count("\n", 0, edit.start) + 1
        column = edit.start - text.rfind("\n", 0, edit.start)
        base = f"{edit.cls}-L{line}C{column}{edit.tag}"
        mutant_id = base if base not in seen_ids else next(f"{base}.{n}" for n in range(2, 99) if f"{base}.{n}" not in seen_ids)
        seen_texts.add(mutated)
        seen_ids.add(mutant_id)
        found.append(Mutant(mutant_id, edit.cls, line, text[edit.start:edit.end], edit.new, mutated))
    return found


def mutants(text: str, *, seed: int = 0, limit: int | None = 30) -> list[Mutant]:
    """At most `limit` mutants, taken round-robin over the classes (each class shuffled by `seed`), in source order."""
    pool = all_mutants(text)
    by_class = {cls: [m for m in pool if m.operator == cls] for cls in CLASSES}
    for cls, members in by_class.items():
        random.Random(f"{seed}:{cls}").shuffle(members)
    rounds = max((len(members) for members in by_class.values()), default=0)
    chosen = [by_class[cls][r] for r in range(rounds) for cls in CLASSES if r < len(by_class[cls])]
    picked = {m.id for m in (chosen if limit is None else chosen[:limit])}
    return [m for m in pool if m.id in picked]


class MutantResult(BaseModel):
    id: str
    operator: str
    line: int
    original: str
    replacement: str
    source_line: str  # the unmutated line, for a person judging a survivor
    status: str  # the verdict's status
    outcome: str  # killed, survived, stillborn (not valid Verilog) or error (a tool failed)
    equivalent: str | None = None  # the notes.md reason, for a survivor explained as equivalent


class TaskScore(BaseModel):
    task: str
    path: str
    status: str = "ok"  # ok, baseline_failed (the solution fails its own tests), tool_error, no_mutants
    detail: str = ""
    check: str = ""  # testbench or cocotb: what decided pass/fail
    simulator: str = "icarus"
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    stillborn: int = 0
    errors: int = 0
    equivalent: int = 0  # survivors explained as equivalent in notes.md
    score: float | None = None  # killed / (killed + survived)
    adjusted_score: float | None = None  # the same with the equivalent survivors left out
    by_class: dict[str, dict[str, int]] = Field(default_factory=dict)
    results: list[MutantResult] = Field(default_factory=list)
    duration_s: float = 0.0

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.outcome == "survived"]


def outcome_of(status: str) -> str:
    if status == "pass":
        return "survived"
    if status in ("compile_error", "policy_violation", "no_code"):
        return "stillborn"
    return "error" if status == "tool_error" else "killed"  # mismatch, sim_error, timeout


def tally(score: TaskScore, results: list[MutantResult]) -> TaskScore:
    """Counts, per-class counts, score and adjusted score of `results`."""
    counts = Counter(r.outcome for r in results)
    equivalent = sum(1 for r in results if r.outcome == "survived" and r.equivalent is not None)
    by_class: dict[str, dict[str, int]] = {}
    for r in results:
        by_class.setdefault(r.operator, {"killed": 0, "survived": 0, "stillborn": 0, "error": 0})[r.outcome] += 1
    judged = counts["killed"] + counts["survived"]
    status = score.status if not results else "tool_error" if counts["error"] == len(results) else "ok"
    return score.model_copy(update=dict(
        status=status, mutants=len(results), killed=counts["killed"], survived=counts["survived"],
        stillborn=counts["stillborn"], errors=counts["error"], equivalent=equivalent, by_class=by_class, results=results,
        score=round(counts["killed"] / judged, 4) if judged else None,
        adjusted_score=round(counts["killed"] / (judged - equivalent), 4) if judged > equivalent else None))


_EQUIVALENT_NOTE = re.compile(
    r"^[\s*>_-]*equivalent[*_]*\s*:[*_]*\s*`?([A-Za-z_][\w.+-]*?)`?(?:(?:\s*[:\u2013\u2014]|\s+-+)\s*(.*?))?\s*$",
    re.I | re.M)


def notes_equivalents(task_dir: Path) -> dict[str, str]:
    """Mutant id to reason, from `equivalent: <mutant-id> - reason` lines in the task's notes.md."""
    notes = Path(task_dir) / "notes.md"
    if not notes.is_file():
        return {}
    text = notes.read_text(encoding="utf-8", errors="replace")
    return {m.group(1): (m.group(2) or "").strip() for m in _EQUIVALENT_NOTE.finditer(text)}


def load_notes_equivalents(task_dir: Path) -> set[str]:
    return set(notes_equivalents(task_dir))


def score_task(task_dir: Path, *, limit: int | None = 30, jobs: int = 2, simulator: str = "icarus",
               timeout: float = 60, seed: int = 0) -> TaskScore:
    """Run the task's tests on mutants of its solution. Raises ValueError for a folder that is not a usable task."""
    from aigchip.task import from_folder
    from aigchip.sim.check import VerifyOptions, verify, verify_many
    from aigchip.sim.types import Design

    started = time.monotonic()
    task = from_folder(Path(task_dir))
    design = task.solution_design()
    if design is None or not task.has_golden_tests:
        raise ValueError(f"{task_dir}: a task needs a solution and tests (or a testbench) to be measured")
    options = VerifyOptions(tests=task.tests, testbench=task.testbench, reference=task.reference, tb_top=task.tb_top,
                            simulator=simulator, timeout=timeout, use_cache=False, lint=False)
    score = TaskScore(task=task.id, path=str(task_dir), simulator=simulator,
                      check="testbench" if task.testbench else "cocotb")
    baseline = verify(design, options)
    if not baseline.passed:
        status = "tool_error" if baseline.status == "tool_error" else "baseline_failed"
        return score.model_copy(update=dict(status=status, detail=baseline.summary(),
                                            duration_s=round(time.monotonic() - started, 2)))
    # a mutant that hangs is killed; no need to wait the whole timeout for it to say so
    options = options.model_copy(update={"timeout": min(timeout, max(10.0, 10 * baseline.duration_s))})
    (name, text), = design.files.items()
    chosen = mutants(text, seed=seed, limit=limit)
    verdicts = verify_many([(Design(files={name: m.text}, top=design.top), options) for m in chosen], jobs=jobs)
    explained, lines = notes_equivalents(Path(task_dir)), text.splitlines()
    results = []
    for mutant, verdict in zip(chosen, verdicts):
        outcome = outcome_of(str(verdict.status))
        results.append(MutantResult(
            id=mutant.id, operator=mutant.operator, line=mutant.line, original=mutant.original,
            replacement=mutant.replacement, source_line=lines[mutant.line - 1].strip(), status=str(verdict.status),
            outcome=outcome, equivalent=explained.get(mutant.id) if outcome == "survived" else None))
    score = tally(score.model_copy(update={"status": "ok" if chosen else "no_mutants"}), results)
    return score.model_copy(update={"duration_s": round(time.monotonic() - started, 2)})
