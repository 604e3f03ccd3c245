"""Cycle-level views of a VCD: the rising edges of the clock, every signal sampled just before each edge,
and a small, safe evaluator for the plan's job conditions (`out_valid && out_ready`)."""

from __future__ import annotations

import ast
import bisect
import re
from pathlib import Path
from typing import Any

from aigchip.sim import vcd

MAX_EDGES = 20000


class Cycles:
    """Values of signals just before each rising edge of a clock (None for x or z)."""

    def __init__(self, wave: vcd.Waveform, clock_code: str) -> None:
        self.wave = wave
        changes = wave.changes.get(clock_code, [])
        self.edges = [t for (t, v), (_, before) in zip(changes[1:], changes) if v == "1" and before != "1"][:MAX_EDGES]
        if changes and changes[0][1] == "1" and changes[0][0] > 0:
            self.edges.insert(0, changes[0][0])
        self._times: dict[str, list[int]] = {}

    def sample(self, code: str) -> list[int | None]:
        """The signal's value just before each edge (its last change at an earlier time)."""
        changes = self.wave.changes.get(code, [])
        times = self._times.setdefault(code, [t for t, _ in changes])
        values: list[int | None] = []
        for edge in self.edges:
            at = bisect.bisect_left(times, edge) - 1
            raw = changes[at][1] if at >= 0 else "x"
            values.append(None if any(c in raw for c in "xz") else int(raw, 2))
        return values


def read(path: str | Path) -> vcd.Waveform:
    return vcd.read(path)


def codes_by_name(wave: vcd.Waveform) -> dict[str, str]:
    """Hierarchical name (without the top scope) to VCD id code."""
    return {name: code for code, name in wave.names.items()}


def find_clock(wave: vcd.Waveform, clock: str) -> str | None:
    names = codes_by_name(wave)
    return names.get(clock) or next((c for n, c in names.items() if n.rsplit(".", 1)[-1] == clock), None)


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Invert, ast.USub, ast.BinOp,
            ast.BitAnd, ast.BitOr, ast.BitXor, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
            ast.Name, ast.Load, ast.Constant)


class Condition:
    """A condition over signal names in Verilog or Python spelling (`a && !b`, `state == 3`), evaluated
    without eval: only names, integers, and logic, bitwise and comparison operators."""

    def __init__(self, text: str) -> None:
        python = re.sub(r"!(?!=)", " not ", text.replace("&&", " and ").replace("||", " or "))
        python = re.sub(r"\d+'[bB]([01_]+)", lambda m: str(int(m.group(1).replace("_", ""), 2)), python)
        python = re.sub(r"\d+'[dD](\d+)", r"\1", python)
        python = re.sub(r"\d+'[hH]([0-9a-fA-F_]+)", lambda m: str(int(m.group(1).replace("_", ""), 16)), python)
        try:
            self.tree = ast.parse(python.strip(), mode="eval")
        except SyntaxError as exc:
            raise ValueError(f"cannot read the condition {text!r}: {exc.msg}") from None
        for node in ast.walk(self.tree):
            if not isinstance(node, _ALLOWED):
                raise ValueError(f"the condition {text!r} uses {type(node).__name__}, which is not allowed")
        self.names = sorted({n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)})

    def __call__(self, values: dict[str, int | None]) -> bool:
        try:
            return bool(_evaluate(self.tree.body, values))
        except _Unknown:
            return False


class _Unknown(Exception):
    pass


def _evaluate(node: ast.AST, values: dict[str, int | None]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        if value is None:
            raise _Unknown(node.id)
        return value
    if isinstance(node, ast.BoolOp):
        found = [_evaluate(v, values) for v in node.values]
        return all(found) if isinstance(node.op, ast.And) else any(found)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return (not operand) if isinstance(node.op, ast.Not) else (~operand if isinstance(node.op, ast.Invert)
                                                                    else -operand)
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        return {ast.BitAnd: left & right, ast.BitOr: left | right, ast.BitXor: left ^ right}[type(node.op)]
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, right_node in zip(node.ops, node.comparators):
            right = _evaluate(right_node, values)
            ok = {ast.Eq: left == right, ast.NotEq: left != right, ast.Lt: left < right, ast.LtE: left <= right,
                  ast.Gt: left > right, ast.GtE: left >= right}[type(op)]
            if not ok:
                return False
            left = right
        return True
    raise _Unknown(type(node).__name__)
