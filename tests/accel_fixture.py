"""A small accelerator (dot4: 5 modules) and a scripted model that answers the accelerator flow's prompts
with it, routed by what each request asks for, since independent modules are asked for at once."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from aigchip.loopback import Response

DOT4 = Path(__file__).parent / "fixtures" / "accel" / "dot4"
REQUEST = ("A small accelerator: the ReLU of the dot product of two vectors of four signed int8 lanes, "
           "one result per cycle.\nName the top dot4_top.")


def rtl(name: str) -> str:
    return (DOT4 / "rtl" / f"{name}.v").read_text()


def fenced(text: str, language: str = "verilog") -> str:
    return f"Here it is.\n\n```{language}\n{text.strip()}\n```\n"


def plan_text() -> str:
    return (DOT4 / "plan.yaml").read_text()


def unit_tests() -> dict[str, str]:
    return {path.stem.removeprefix("test_"): fenced(path.read_text(), "python") for path in (DOT4 / "tests").glob("*.py")}


def designs(**overrides: list[str]) -> dict[str, list[str]]:
    """Each module's replies in order (the n-th reply of a module's conversation); the good RTL by default."""
    found = {name: [fenced(rtl(name))] for name in ("mul8", "add4", "relu18", "dot4_core", "dot4_top")}
    found.update(overrides)
    return found


class Script:
    """The loopback handler: plan requests get `plans` in turn, unit-test requests the module's tests,
    module requests the module's n-th design. `calls` records (purpose, module, turn) for each request."""

    def __init__(self, *, plans: list[str] | None = None, designs_by_module: dict[str, list[str]] | None = None,
                 tests: dict[str, str] | None = None, delay_s: float = 0.0) -> None:
        self.plans = plans or [fenced(plan_text(), "yaml")]
        self.designs = designs_by_module or designs()
        self.tests = tests if tests is not None else unit_tests()
        self.delay_s = delay_s
        self.calls: list[tuple[str, str, int]] = []
        self.prompts: list[tuple[str, str, str]] = []  # purpose, module, last user message
        self._lock = threading.Lock()

    def __call__(self, body: dict) -> Response:
        messages = body["messages"]
        first = next(m["content"] for m in messages if m["role"] == "user")
        turn = sum(m["role"] == "assistant" for m in messages)
        if "Plan the architecture" in first:
            purpose, module, text = "plan", "", self.plans[min(turn, len(self.plans) - 1)]
        elif match := re.search(r"Write the unit tests of one module.*?The module `(\w+)`", first, re.S):
            purpose, module = "tests", match.group(1)
            text = self.tests.get(module, "I cannot write tests.")
        elif match := re.search(r"### The module `(\w+)`", first):
            purpose, module = "design", match.group(1)
            replies = self.designs[module]
            text = replies[min(turn, len(replies) - 1)]
        else:
            purpose, module, text = "other", "", "I do not know."
        with self._lock:
            self.calls.append((purpose, module, turn))
            self.prompts.append((purpose, module, messages[-1]["content"]))
        return Response.text(text, delay_s=self.delay_s)

    def count(self, purpose: str, module: str = "") -> int:
        return sum(1 for p, m, _ in self.calls if p == purpose and (not module or m == module))
