"""How long each task's check took last time, so the longest start first and no long task is left to run
alone at the end of a run. Kept in the cache folder as one small JSON file; losing it costs speed only."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Callable, Iterable, Mapping, TypeVar

from aigchip import paths
from aigchip.sim.files import write_atomic

T = TypeVar("T")
_LOCK = threading.Lock()
_MAX_ENTRIES = 20_000


def _file() -> Path:
    return paths.cache_root() / "durations.json"


def _key(benchmark: str, task_id: str) -> str:
    return f"{benchmark}\t{task_id}"


def load(benchmark: str) -> dict[str, float]:
    """{task id: seconds} remembered for `benchmark`."""
    try:
        known = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    prefix = _key(benchmark, "")
    return {key[len(prefix):]: float(value) for key, value in known.items()
            if isinstance(key, str) and key.startswith(prefix) and isinstance(value, (int, float))}


def remember(benchmark: str, seconds: Mapping[str, float]) -> None:
    """Keep `seconds` ({task id: seconds}) for the next run; a full or read-only disk is ignored."""
    if not seconds:
        return
    with _LOCK:
        try:
            known = json.loads(_file().read_text(encoding="utf-8"))
            known = known if isinstance(known, dict) else {}
        except (OSError, ValueError):
            known = {}
        known.update({_key(benchmark, task): round(value, 4) for task, value in seconds.items()})
        if len(known) > _MAX_ENTRIES:
            known = dict(list(known.items())[-_MAX_ENTRIES:])
        try:
            _file().parent.mkdir(parents=True, exist_ok=True)
            write_atomic(_file(), json.dumps(known))
        except OSError:
            pass


def longest_first(items: Iterable[T], seconds: Mapping[str, float], task_id: Callable[[T], str],
                  weights: Mapping[str, float] | None = None) -> list[T]:
    """`items` with the longest first. A known duration (`seconds`) wins. An unknown one is guessed from the
    task's static weight (bench/estimate.py: `weights`), scaled so that a task of the median weight counts
    as a typical (median) known duration; with nothing known at all, the weights alone order. A task with
    neither is assumed typical. Equal guesses keep their order."""
    items = list(items)
    weights = weights or {}
    known = sorted(seconds.values())
    typical = known[len(known) // 2] if known else 0.0
    sized = sorted(w for w in (weights.get(task_id(item)) for item in items) if w is not None and w > 0)
    usual = sized[len(sized) // 2] if sized else 0.0

    def guess(item: T) -> float:
        task = task_id(item)
        if task in seconds:
            return seconds[task]
        weight = weights.get(task)
        if weight is None or weight <= 0 or not usual:
            return typical
        return (typical if known else 1.0) * weight / usual

    order = sorted(range(len(items)), key=lambda i: -guess(items[i]))
    return [items[i] for i in order]
