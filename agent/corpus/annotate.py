"""Describing a module at three grains with a model, bottom-up as MG-Verilog does: a summary of each
block of about ten lines, a detailed summary from the code and those, a high-level summary from that.

Prompts: templates/prompts/annotate_system.j2, annotate_block.j2, annotate_detailed.j2 and
annotate_high_level.j2. Token use is summed per stage (thread-safe: one Annotator serves many threads).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from aigchip import prompts
from aigchip.corpus import mgverilog, verilog
from aigchip.corpus.schema import Block
from aigchip.models import Message, Model, Usage

STAGES = ("block", "detailed", "high_level", "validate")
_FENCE = re.compile(r"^\s*```[\w+-]*\s*$", re.M)
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:(?:high[- ]level|detailed|global)\s+)?(?:summary|description)(?:\*\*)?\s*:\s*",
                    re.I)


class AnnotationError(ValueError):
    """The model's replies did not give a usable description (the message says which part)."""


@dataclass
class Annotation:
    high_level: str
    detailed: str
    blocks: list[Block]
    regenerates: bool | None = None


def clean_reply(text: str) -> str:
    """The reply's prose: fence lines, a leading "Summary:" label and surrounding quotes removed."""
    text = _LABEL.sub("", _FENCE.sub("", text).strip())
    return text.strip().strip('"').strip()


def first_sentence(text: str, limit: int = 300) -> str:
    """The text's first sentence (model-free high-level summary), at most `limit` characters."""
    flat = " ".join(text.split())
    match = re.search(r"^(.+?[.!?])(?=\s+[A-Z(`]|\s*$)", flat)
    sentence = match.group(1) if match else flat
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + " ..."


class Annotator:
    """Three-grain descriptions of modules from one model; `usage` holds the tokens spent per stage."""

    def __init__(self, model: Model, *, block_lines: int = verilog.BLOCK_LINES) -> None:
        self.model, self.block_lines = model, block_lines
        self.usage = {stage: Usage() for stage in STAGES}
        self.calls = 0
        self._lock = threading.Lock()

    def total(self) -> Usage:
        return sum(self.usage.values(), Usage())

    def _ask(self, stage: str, template: str, **context: object) -> str:
        messages: list[Message] = [{"role": "system", "content": prompts.render("annotate_system")},
                                   {"role": "user", "content": prompts.render(template, **context)}]
        reply = self.model.complete(messages, n=1)[0]
        with self._lock:
            self.usage[stage] = self.usage[stage] + reply.usage
            self.calls += 1
        return reply.text

    def block_summaries(self, code: str, top: str) -> list[Block]:
        """The code in blocks of about ten lines, each summarized; the missing ones are asked once more."""
        pieces = verilog.split_blocks(code, target=self.block_lines)
        summaries: dict[int, str] = {}
        for _ in range(2):
            wanted = [(n, p) for n, p in enumerate(pieces) if n not in summaries]
            if not wanted:
                break
            reply = self._ask("block", "annotate_block", top=top, code=code, total=len(pieces), blocks=wanted)
            found = mgverilog.block_map(reply)
            if len(wanted) == 1 and not found and clean_reply(reply):
                found = {wanted[0][0]: " ".join(clean_reply(reply).split())}  # one block, answered bare
            summaries.update({n: s for n, s in found.items() if n < len(pieces) and n not in summaries})
        missing = [n for n in range(len(pieces)) if n not in summaries]
        if missing:
            raise AnnotationError(f"the model gave no summary for block(s) {', '.join(map(str, missing))} "
                                  f"of {len(pieces)}")
        return [Block(code=piece, summary=summaries[n]) for n, piece in enumerate(pieces)]

    def annotate(self, code: str, top: str) -> Annotation:
        blocks = self.block_summaries(code, top)
        detailed = clean_reply(self._ask("detailed", "annotate_detailed", top=top, code=code,
                                         block_summaries=[b.summary for b in blocks]))
        if not detailed:
            raise AnnotationError("the model's detailed summary was empty")
        high_level = clean_reply(self._ask("high_level", "annotate_high_level", top=top, detailed=detailed))
        if not high_level:
            raise AnnotationError("the model's high-level summary was empty")
        return Annotation(high_level=" ".join(high_level.split()), detailed=detailed, blocks=blocks)

    def regenerates(self, detailed: str, code: str, top: str) -> bool:
        """Whether the model, given only the detailed summary and the header, writes code that compiles."""
        from aigchip.extract import extract

        header, _ = verilog.split_header(code)
        messages: list[Message] = [
            {"role": "system", "content": prompts.render("system")},
            {"role": "user", "content": prompts.render("generate", spec=detailed, top=top, interface=header,
                                                       demos=[])}]
        reply = self.model.complete(messages, n=1)[0]
        with self._lock:
            self.usage["validate"] = self.usage["validate"] + reply.usage
            self.calls += 1
        design = extract(reply.text, top).design
        if design is None:
            return False
        return verilog.compile_check("\n".join(design.files.values()), top) is None
