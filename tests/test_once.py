"""sim/once.py: a cached answer that threads asking at the same moment compute once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from aigchip.sim.once import Once


def test_threads_asking_together_compute_once_and_other_arguments_are_not_held_up():
    calls: list[str] = []
    slow_started = threading.Event()

    @Once
    def probe(name: str) -> str:
        calls.append(name)
        if name == "slow":
            slow_started.set()
            time.sleep(0.5)
        return name.upper()

    with ThreadPoolExecutor(8) as pool:
        slow = [pool.submit(probe, "slow") for _ in range(4)]
        assert slow_started.wait(5)
        started = time.monotonic()
        assert probe("quick") == "QUICK"  # not behind the slow one
        assert time.monotonic() - started < 0.3
        assert [f.result() for f in slow] == ["SLOW"] * 4
    assert sorted(calls) == ["quick", "slow"]
    probe.cache_clear()
    assert probe("slow") == "SLOW" and calls.count("slow") == 2


def test_an_exception_is_not_kept():
    answers = iter([RuntimeError("not yet"), "ready"])

    @Once
    def probe() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(RuntimeError):
        probe()
    assert probe() == "ready" and probe() == "ready"
