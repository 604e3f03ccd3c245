"""Content-addressed verdict cache: the same design, tests, tools and options give the same answer."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from aigchip.sim.files import write_atomic
from aigchip.sim.types import Status, Verdict

FORMAT = 1  # bump when what a verdict means changes, so old entries stop matching
# A wall-clock timeout depends on how busy the machine was, and a tool error on the machine itself: never
# cached. A testbench's own time limit is simulated time, decided by the design and the testbench alone.
OWN_TIME_LIMIT = "testbench-time-limit"  # sim.testbench's code for it (kept here so the cache imports no checker)


def cacheable(verdict: Verdict) -> bool:
    if verdict.status is Status.TOOL_ERROR:
        return False
    if verdict.status is Status.TIMEOUT:
        return any(d.code == OWN_TIME_LIMIT for d in verdict.diagnostics)
    return True


def digest(material: Any) -> str:
    """A stable hash of JSON-able material (dicts are hashed with sorted keys)."""
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


_known_digests: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, remembered per (path, size, mtime) so benchmark files are read once."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _known_digests:
        _known_digests[key] = _read_digest(path)
    return _known_digests[key]


def _read_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class VerdictCache:
    """Verdicts on disk as one JSON file each, under `root`/<2 hex>/<key>.json."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Verdict | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            return Verdict.model_validate(data)
        except (OSError, ValueError):
            return None  # absent or damaged entries are simply misses

    def put(self, key: str, verdict: Verdict) -> None:
        if not cacheable(verdict):
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, verdict.model_dump_json())
        except OSError:
            pass  # a full or read-only disk costs speed, never a result
