"""A cheap guess of how long a task's check takes, from its tests' text alone, for a cold cache.

The checks of a run start longest first (bench/durations.py), but what a check took is known only once it
ran. On a cold cache one long check (a testbench that clocks a counter through a day of seconds) would
otherwise start wherever the task list puts it, often last, and then run alone on one core at the end.
Most of a testbench's simulation time is its loops: `repeat (N)` and `for (...; i < N; ...)`, nested
loops multiplied. A cocotb test module's is its `range(N)` and `ClockCycles(signal, N)`. The weight is
in loop iterations, not seconds: it only orders tasks whose duration is unknown, and never touches a verdict.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_NUMBER = r"(?:\d*\s*'s?[dD]\s*)?([0-9][0-9_]*)"  # 400, 32'd400, 'd400 (decimal counts only)
# a statement's end, a loop head (its count in group 1 or 3), or a block's start or end
_TOKENS = re.compile(r";|(?<![\w$])(?:repeat\s*\(\s*" + _NUMBER + r"\s*\)"
                     r"|for\s*\([^;]*;[^;<]*<(=?)\s*" + _NUMBER + r"\s*;[^)]*\)"
                     r"|for\s*\([^;]*;[^;]*;[^)]*\)"  # a bound that is not a literal: counted once
                     r"|(begin|fork)\b|(end|join|join_any|join_none)\b)")
_PY_LOOPS = re.compile(r"\brange\s*\(\s*(?:\d+\s*,\s*)?(\d[\d_]*)\s*[,)]|\bClockCycles\s*\([^,()]+,\s*(\d[\d_]*)")
_LIMIT = 10 ** 12  # no literal counts more than this: a huge number must not overflow the order


def verilog_weight(text: str) -> int:
    """Loop iterations a Verilog testbench runs, nested loops multiplied; 1 for a testbench without loops."""
    total = 1
    blocks = [1]  # how many times the block being read runs
    pending = 1  # loop heads read since the last block start or statement: they repeat what comes next
    for match in _TOKENS.finditer(_COMMENTS.sub(" ", text)):
        repeat, inclusive, bound, block, close = match.group(1), match.group(2), match.group(3), \
            match.group(4), match.group(5)
        token = match.group(0)
        if repeat is not None or bound is not None:
            count = _count(repeat or bound) + (1 if inclusive else 0)
            pending = min(pending * max(count, 1), _LIMIT)
            total = min(total + blocks[-1] * pending, _LIMIT)
        elif block is not None:
            blocks.append(min(blocks[-1] * pending, _LIMIT))
            pending = 1
        elif token.startswith("for"):
            total = min(total + blocks[-1] * pending, _LIMIT)
        elif close is not None:
            if len(blocks) > 1:
                blocks.pop()
            pending = 1
        else:  # ';': the loop heads before it repeated that one statement
            pending = 1
    return total


def python_weight(text: str) -> int:
    """Loop iterations a cocotb test module names: its `range(N)` and `ClockCycles(signal, N)` counts."""
    return 1 + sum(_count(a or b) for a, b in _PY_LOOPS.findall(text))


def _count(digits: str) -> int:
    """A literal's value, at most _LIMIT (read without int() when longer: Python refuses over 4300 digits)."""
    digits = digits.replace("_", "").lstrip("0") or "0"
    return _LIMIT if len(digits) > 12 else min(int(digits), _LIMIT)


def task_weight(testbench: Iterable[Path], tests: Path | None) -> int | None:
    """The weight of a task's checks (its testbench files and cocotb tests together), or None when none
    of them can be read."""
    found: int | None = None
    for path, weigh in [*((p, verilog_weight) for p in testbench), *([(tests, python_weight)] if tests else [])]:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = (found or 0) + weigh(text)
    return found


def weights(tasks: Iterable[Any], known: Mapping[str, float]) -> dict[str, int]:
    """{task id: weight} of the tasks (bench Tasks), when the duration of any is not `known` (the known ones'
    weights set the scale of the guesses); nothing when every duration is known (a warm run reads no test)."""
    tasks = list(tasks)
    if all(task.id in known for task in tasks):
        return {}
    found = {}
    for task in tasks:
        if task.id not in found:
            weight = task_weight(task.testbench, task.tests)
            if weight is not None:
                found[task.id] = weight
    return found
