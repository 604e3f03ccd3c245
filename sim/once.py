"""A function's answer per argument, computed once even when several threads ask at the same moment.

functools.cache lets two threads that miss together both compute: at the start of a run every check
thread asked `iverilog -V` and started a probe box of its own. Here the first asker of an argument computes
while later askers of that argument wait for its answer; other arguments are not held up. An exception is
not kept (as with functools.cache): the next asker tries again."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Generic, Hashable, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Once(Generic[P, R]):
    """`fn` cached per argument, with functools.cache's cache_clear."""

    def __init__(self, fn: Callable[P, R]) -> None:
        self._fn = fn
        self._guard = threading.Lock()
        self._done: dict[Hashable, Any] = {}
        self._busy: dict[Hashable, threading.Lock] = {}
        functools.update_wrapper(self, fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (args, tuple(sorted(kwargs.items())))
        with self._guard:
            if key in self._done:
                return self._done[key]
            busy = self._busy.setdefault(key, threading.Lock())
        with busy:
            with self._guard:
                if key in self._done:
                    return self._done[key]
            value = self._fn(*args, **kwargs)
            with self._guard:
                self._done[key] = value
                self._busy.pop(key, None)
            return value

    def cache_clear(self) -> None:
        with self._guard:
            self._done.clear()
            self._busy.clear()
