"""Writing files so that a reader (or a killed run) never sees half of one."""

from __future__ import annotations

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
            f.write(blob)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
