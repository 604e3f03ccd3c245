"""The `offline` model: a labelled no-LLM baseline. It answers with the demo library's best-matching
verified design for the spec (the next best on the next iteration), renamed to the requested top."""

from __future__ import annotations

import re
from typing import Collection, Sequence

from aigchip.models.protocol import Message, Reply, Usage

NOTICE = ("No LLM was used: this is aigchip's offline baseline, which answers with the closest verified "
          "design from the demo library. To use a model, pass --model NAME with --base-url URL (any "
          "OpenAI-compatible server: vLLM, Ollama, llama.cpp, LM Studio) or set OPENAI_API_KEY.")


class OfflineModel:
    kind = "offline"

    def __init__(self, spec: str, top: str, entries: Sequence, *, exclude_ids: Collection[str] = frozenset()) -> None:
        from aigchip import demos

        self.name = "offline"
        self.top = top
        ranked = demos.select(spec, entries, k=len(entries), token_budget=10**9, exclude_ids=set(exclude_ids),
                              min_score=0, min_share_of_best=0)  # the closest design, however weak the match
        self.choices = ranked

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        round_index = sum(1 for m in messages if m["role"] == "assistant")
        return [self._answer(round_index * n + sample_index + i) for i in range(n)]

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        return self.complete(messages, n=n, sample_index=sample_index)

    def _answer(self, index: int) -> Reply:
        if index >= len(self.choices):
            text = f"{NOTICE}\n\nThe demo library has no further design that matches this spec."
        else:
            demo = self.choices[index]
            code = re.sub(rf"\b{re.escape(demo.top)}\b", self.top, demo.code)
            text = (f"{NOTICE}\n\nClosest match: `{demo.id}` (score {demo.score:.2f}, matched: {demo.why}); its module "
                    f"`{demo.top}` is renamed to `{self.top}`.\n\n```verilog\n{code.strip()}\n```\n")
        return Reply(text=text, usage=Usage(), model=self.name, kind=self.kind, llm=False)
