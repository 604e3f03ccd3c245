"""Content-addressed verdict cache: the same design, tests, tools and options give the same answer.

Only this (parent) process writes entries, and each carries an HMAC-SHA256 over its key and verdict, with
a key kept beside the entries (`KEY_FILE`, created 0600 on first use) that no tool or test process ever
sees. An entry anything else wrote, or one moved to another key, fails the check and is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from aigchip.sim.files import write_atomic
from aigchip.sim.types import Status, Verdict

FORMAT = 4  # bump when what a verdict means changes, so old entries stop matching (3: Verilator's random start
# values; 4: equivalence under --param and on derived or mixed-edge clocks)
# A wall-clock timeout depends on how busy the machine was, and a tool error on the machine itself: never
# cached. A testbench's own time limit is simulated time, decided by the design and the testbench alone.
OWN_TIME_LIMIT = "testbench-time-limit"  # sim.testbench's code for it (kept here so the cache imports no checker)
KEY_FILE = "hmac.key"
_log = logging.getLogger(__name__)
_reported_forgery = False


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
    """Verdicts on disk as one JSON file each, under `root`/<2 hex>/<key>.json, each with its MAC."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._secret: bytes | None = None

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Verdict | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            body, mac = entry["verdict"], entry["mac"]
            if not isinstance(body, str) or not isinstance(mac, str):
                raise ValueError("not an entry")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # damaged (or older) entries are simply misses
        try:
            expected = self._mac(key, body)
        except OSError:
            return None  # no key, no trust
        if not hmac.compare_digest(expected, mac):
            _report_forgery(self._path(key))
            return None
        try:
            return Verdict.model_validate_json(body)
        except ValueError:
            return None

    def put(self, key: str, verdict: Verdict) -> None:
        if not cacheable(verdict):
            return
        path = self._path(key)
        body = verdict.model_dump_json()
        try:
            entry = json.dumps({"verdict": body, "mac": self._mac(key, body)})
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, entry)
        except OSError:
            pass  # a full or read-only disk costs speed, never a result

    def _mac(self, key: str, body: str) -> str:
        if self._secret is None:
            self._secret = _load_or_create_key(self.root / KEY_FILE)
        return hmac.new(self._secret, f"{FORMAT}\n{key}\n{body}".encode(), hashlib.sha256).hexdigest()


def _load_or_create_key(path: Path) -> bytes:
    """The cache's secret; the first user creates it (0600, published whole by a hard link, so a
    concurrent reader never sees half of one). Raises OSError when it cannot be read or made."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates it 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        os.unlink(tmp)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_mode & 0o077:
            os.fchmod(f.fileno(), 0o600)  # someone loosened it: tighten before trusting it again
        secret = f.read().strip()
    if len(secret) < 32:
        raise OSError(f"the verdict cache key {path} is damaged; delete it to start a fresh cache")
    return secret


def _report_forgery(path: Path) -> None:
    global _reported_forgery
    if not _reported_forgery:
        _reported_forgery = True
        _log.debug("ignored verdict cache entries that fail the authenticity check (first: %s)", path)
