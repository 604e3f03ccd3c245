"""Self-written tests (`--feedback self`): what the model is told when it writes cocotb tests from a spec, and
how its reply is read.

The request is built from the module's real interface (agent.interface): its ports, its actual clock and
reset names or "combinational: no clock", the handshake signals it has, and, when the spec fixes no
latency, checking that does not assume one. It never asks for a clock, a mid-run reset or back-pressure
the interface cannot carry. The spec it quotes is cut of wording meant for the designer ("Give me the
complete code"). The tests are kept as `self_test_<top>.py`, apart from the task's own `test_<top>.py`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from aigchip import prompts
from aigchip.extract import python_tests
from aigchip.interface import Interface
from aigchip.models.local import record_line
from aigchip.models.protocol import Message

# wording addressed to whoever writes the design, which a test writer must not act on
_DESIGN_ONLY = [
    re.compile(r"[ \t]*please act as an? (?:professional |expert )?(?:verilog |systemverilog |hardware |rtl |digital )?"
               r"designer\.?[ \t]*\n?", re.I),
    re.compile(r"\s*(?:please\s+)?(?:give|write|provide|show)\s+(?:me\s+)?(?:the\s+)?(?:complete|full|whole)\s+"
               r"(?:verilog\s+|systemverilog\s+|rtl\s+)?code(?:\s+for\s+(?:it|this|the\s+module))?\.?", re.I),
    re.compile(r"\s*(?:please\s+)?(?:answer|reply|respond)\s+(?:only\s+)?with\s+(?:the\s+)?(?:complete\s+)?"
               r"(?:verilog\s+)?code[^.\n]*\.?", re.I),
]
_ASK_TO_IMPLEMENT = re.compile(r"\bI would like you to implement a module named (\w+) with the following\s+interface\.",
                               re.I)
# words by which a spec fixes when an output appears
_FIXED_TIMING = re.compile(
    r"\blatenc|\b(?:\d+|one|two|three|four|five|six|seven|eight|single)[- ](?:clock[- ])?cycles?\b|\bnext (?:clock )?cycle"
    r"|\bsame (?:clock )?cycle|\b(?:\d+|one|two|three|four)[- ]stage|\bregister(?:ed)? (?:stages?|outputs?)"
    r"|\b(?:on|at|after) (?:each|every|the next|the following|the) (?:rising |positive |falling )?(?:clock )?edge"
    r"|\bpositive edge|\brising edge|\bposedge\b|\bdelayed by\b|\bcycles? (?:later|after)", re.I)
_ASYNC = re.compile(r"\basynchronous(?:ly)?\b[^.]{0,40}\breset|\breset\b[^.]{0,40}\basynchronous|\basync\b", re.I)


def test_file_name(top: str) -> str:
    """The self-written tests' file: never the task's own `test_<top>.py`."""
    return f"self_test_{top}.py"


def for_test_writer(spec: str) -> str:
    """The spec without design-only instructions (the benchmark's "Give me the complete code." and the like)."""
    text = _ASK_TO_IMPLEMENT.sub(r"The module \1 has the following interface.", spec)
    for pattern in _DESIGN_ONLY:
        text = pattern.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def latency_fixed(spec: str) -> bool:
    """Whether the spec says when outputs appear (a latency, a stage count, an edge they follow)."""
    return bool(_FIXED_TIMING.search(spec))


def max_lines(spec: str, interface: Interface | None) -> int:
    """The size allowed for the test module, grown with the design: 200 lines for a gate, up to 1000 for a
    whole accelerator with many ports and a long spec."""
    ports = len(interface.ports) if interface else 8
    words = len(re.findall(r"\S+", spec))
    return max(200, min(1000, 50 * math.ceil((120 + 15 * ports + words / 2) / 50)))


def prompt_context(spec: str, top: str, interface: Interface | None, interface_text: str = "") -> dict[str, Any]:
    """Variables for templates/prompts/self_test.j2."""
    found = interface
    shown = found.render() if found is not None else interface_text.strip()
    clocks = found.clocks if found else []
    handshakes = found.handshakes if found else []
    valid_outputs = [p.name for p in handshakes if p.direction == "output" and re.search(r"valid|vld|done", p.name, re.I)]
    ready_inputs = [p.name for p in handshakes if p.direction == "input" and re.search(r"ready|rdy", p.name, re.I)]
    return {
        "spec": for_test_writer(spec),
        "top": top,
        "interface": shown,
        "interface_source": found.source if found else ("interface" if shown else ""),
        "known": found is not None,
        "ports": [{"name": p.name, "direction": p.direction, "width": p.width, "signed": p.signed}
                  for p in (found.ports if found else [])],
        "clocks": clocks,
        "combinational": found is not None and not clocks,
        "resets": found.resets if found else [],
        "async_reset": bool(_ASYNC.search(spec)),
        "handshakes": [{"name": p.name, "direction": p.direction} for p in handshakes],
        "valid_outputs": valid_outputs,
        "ready_inputs": ready_inputs,
        "latency_free": bool(clocks) and not latency_fixed(spec),
        "max_lines": max_lines(spec, found),
    }


class SelfTestWriter:
    """Asks the model for tests (twice at most, the second time told what was wrong), keeps them as
    `self_test_<top>.py` in `folder`, and asks once for a review of them when they pass at once."""

    def __init__(self, model: Any, recorder: Any, folder: Any, *, took: Any, sample_index: int = 0) -> None:
        self.model, self.recorder, self.folder, self.took = model, recorder, folder, took
        self.sample_index = sample_index
        self.conversation: list[Message] = []
        self.reviewed = False

    def path(self, top: str) -> Any:
        return self.folder / test_file_name(top)

    def write(self, spec: str, top: str, found: Interface | None, interface_text: str = "") -> str | None:
        context = prompt_context(spec, top, found, interface_text)
        messages: list[Message] = [{"role": "system", "content": prompts.render("system")},
                                   {"role": "user", "content": prompts.render("self_test", **context)}]
        self.recorder.event("self_test_interface", source=context["interface_source"], clocks=context["clocks"],
                            resets=context["resets"], latency_free=context["latency_free"],
                            max_lines=context["max_lines"])
        for _ in range(2):
            reply = self._ask(messages, "self_test")
            code, problem = python_tests(reply.text)
            messages = [*messages, {"role": "assistant", "content": reply.text}]
            if code is not None:
                self.conversation = messages
                self.keep(top, code)
                return code
            messages.append({"role": "user", "content": problem})
        return None

    def review(self, top: str) -> str | None:
        """One cheap second look: the model reads its own passing tests against the spec. The revised module
        when it finds a gap, else None (it answered that the tests stand)."""
        if self.reviewed or not self.conversation:
            return None
        self.reviewed = True
        messages: list[Message] = [*self.conversation,
                                   {"role": "user", "content": prompts.render("self_test_review", top=top)}]
        reply = self._ask(messages, "self_test_review")
        code, _ = python_tests(reply.text)
        if code is None:
            return None
        self.conversation = [*messages, {"role": "assistant", "content": reply.text}]
        self.keep(top, code)
        self.recorder.event("self_test_revised", code=code, by="review")
        return code

    def keep(self, top: str, code: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path(top).write_text(code, encoding="utf-8")

    def _ask(self, messages: list[Message], purpose: str) -> Any:
        self.recorder.event("request", purpose=purpose, messages=messages)
        reply = self.model.complete(messages, n=1, sample_index=self.sample_index)[0]
        self.took(reply)
        self.recorder.line({**record_line(messages, reply), "purpose": purpose})
        return reply
