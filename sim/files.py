"""Writing files so that a reader (or a killed run) never sees half of one; reading a huge log by its ends."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: str | bytes, *, durable: bool = False) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it over `path`. With `durable`, fsync
    first, so the new content survives a power cut as well as a kill. Raises OSError; leaves no temp file."""
    path = Path(path)
    blob = data.encode("utf-8") if isinstance(data, str) else data
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            os.fchmod(f.fileno(), _new_file_mode())  # as open() would make it (mkstemp makes 0600)
            f.write(blob)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@functools.lru_cache(maxsize=1)
def _new_file_mode() -> int:
    """0666 less the process's umask (read without changing it), as a plain open() would create a file."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o644


def read_capped(path: Path, limit: int = 256 * 1024) -> str:
    """A log's text, reading at most `limit` bytes from each end of a huge file."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(0)
            if size <= 2 * limit:
                return f.read().decode("utf-8", errors="replace")
            head = f.read(limit)
            f.seek(size - limit)
            tail = f.read()
    except OSError:
        return ""
    cut = f"\n[... {size - 2 * limit} bytes of log cut by aigchip ...]\n"
    return head.decode("utf-8", errors="replace") + cut + tail.decode("utf-8", errors="replace")
