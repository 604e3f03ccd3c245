"""Replies cached on disk, so a rerun (or --resume) asks the endpoint only for what it has not answered.

Each sample is cached on its own: the key is the sha256 of the model's identity (name, endpoint,
generation parameters), the messages and the sample's number (`sample_index + j` for reply j).
So a call for samples 0-4 answers a later call for sample 3. One JSON file per key, written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aigchip.models.protocol import Message, Model, Reply, Usage, warm_up
from aigchip.sim.cache import digest
from aigchip.sim.files import write_atomic

FORMAT = 1  # bump when a stored reply's meaning changes, so old entries stop matching


class CachedModel:
    """A `Model` in front of another: a hit returns the stored reply with `cached=True` and zero usage."""

    def __init__(self, inner: Model, root: Path, enabled: bool = True) -> None:
        self.inner = inner
        self.root = Path(root)
        self.enabled = enabled
        self.name, self.kind = inner.name, inner.kind
        self.hits = self.misses = 0

    def __repr__(self) -> str:
        return f"CachedModel({self.inner!r}, root={str(self.root)!r}, enabled={self.enabled})"

    def warm_up(self) -> None:
        warm_up(self.inner)

    def complete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        keys = self._keys(messages, n, sample_index)
        found = self._lookup(keys)
        if found is not None:
            return found
        return self._store(keys, self.inner.complete(messages, n=n, sample_index=sample_index))

    async def acomplete(self, messages: list[Message], *, n: int = 1, sample_index: int = 0) -> list[Reply]:
        keys = self._keys(messages, n, sample_index)
        found = self._lookup(keys)
        if found is not None:
            return found
        return self._store(keys, await self.inner.acomplete(messages, n=n, sample_index=sample_index))

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()

    def key(self, messages: list[Message], sample: int) -> str:
        identity_of = getattr(self.inner, "cache_identity", None)
        identity = identity_of() if callable(identity_of) else {"model": self.inner.name}
        return digest({"format": FORMAT, "kind": self.inner.kind, "identity": identity, "sample": sample,
                       "messages": [[m["role"], m["content"]] for m in messages]})

    def _keys(self, messages: list[Message], n: int, sample_index: int) -> list[str]:
        return [self.key(messages, sample_index + j) for j in range(n)]

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def _lookup(self, keys: list[str]) -> list[Reply] | None:
        """All the samples asked for, or None (a partial hit asks the inner model for all of them)."""
        if not self.enabled:
            return None
        replies = [self._read(key) for key in keys]
        if any(r is None for r in replies):
            self.misses += 1
            return None
        self.hits += 1
        return [r.model_copy(update={"cached": True, "usage": Usage()}) for r in replies if r is not None]

    def _read(self, key: str) -> Reply | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return None
            return Reply.model_validate(data["reply"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # absent or damaged entries are misses

    def _store(self, keys: list[str], replies: list[Reply]) -> list[Reply]:
        if self.enabled:
            for key, reply in zip(keys, replies):
                self._write(key, {"format": FORMAT, "reply": reply.model_dump(mode="json")})
        return replies

    def _write(self, key: str, entry: dict[str, Any]) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(entry))
        except OSError:
            pass  # a full or read-only disk costs speed, never a result
