"""The model layer's vocabulary: the `Model` protocol, the messages it takes, the replies it gives, and
`ModelError`, whose `kind` says what to do about a failure.

A model turns chat messages into `n` replies; reply `j` of a call with `sample_index=i` is sample
`i + j` (seeds and reply caches count samples that way).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

from pydantic import BaseModel


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    """Tokens a call spent, and what they cost when the price is known (None: unknown)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        costs = [c for c in (self.cost_usd, other.cost_usd) if c is not None]
        return Usage(prompt_tokens=self.prompt_tokens + other.prompt_tokens,
                     completion_tokens=self.completion_tokens + other.completion_tokens,
                     cost_usd=sum(costs) if costs else None)


class Reply(BaseModel):
    text: str
    usage: Usage
    model: str
    kind: str  # chat, offline, manual, replay, scripted
    finish_reason: str | None = None
    cached: bool = False
    llm: bool = True  # False: no LLM wrote this text (scripted, offline baseline)


ErrorKind = Literal["auth", "context_length", "unreachable", "rate_limited", "server", "bad_response",
                    "timeout", "exhausted", "cancelled"]
_RETRYABLE_KINDS = {"unreachable", "rate_limited", "server", "timeout"}


class ModelError(Exception):
    """A model call failed. `retryable`: trying the same request later may succeed."""

    def __init__(self, kind: ErrorKind, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retryable = kind in _RETRYABLE_KINDS if retryable is None else retryable

    def __reduce__(self) -> Any:  # survives pickling across worker processes
        return (type(self), (self.kind, self.message), {"retryable": self.retryable})


@runtime_checkable
class Model(Protocol):
    name: str
    kind: str

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]: ...

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]: ...


def messages_digest(messages: list[Message]) -> str:
    """sha256 of the roles and contents, in order."""
    blob = json.dumps([[m["role"], m["content"]] for m in messages], separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def check_n(n: int) -> None:
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")


def warm_up(model: Any) -> None:
    """Let `model` prepare its client in the background (models that have nothing to prepare ignore it)."""
    prepare = getattr(model, "warm_up", None)
    if callable(prepare):
        prepare()
