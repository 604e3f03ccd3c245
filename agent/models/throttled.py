"""A model whose calls share a limit on requests in flight (eval's samples, the accelerator flow's modules)."""

from __future__ import annotations

import threading

from aigchip.models.protocol import Model


class Throttled:
    """A model whose calls wait for a slot of `semaphore`: at most `concurrency` requests in flight."""

    def __init__(self, inner: Model, semaphore: threading.BoundedSemaphore) -> None:
        self.inner, self.semaphore = inner, semaphore
        self.name, self.kind = inner.name, inner.kind

    def complete(self, messages: list, *, n: int = 1, sample_index: int = 0) -> list:
        with self.semaphore:
            return self.inner.complete(messages, n=n, sample_index=sample_index)

    async def acomplete(self, messages: list, *, n: int = 1, sample_index: int = 0) -> list:
        import asyncio

        return await asyncio.to_thread(self.complete, messages, n=n, sample_index=sample_index)
