"""Writing files so that a reader (or a killed run) never sees half of one; reading a huge log by its ends."""

from __future__ import annotations

import errno
import functools
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path


def write_atomic(path: str | Path, data: str | bytes, *, durable: bool = False) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it over `path`. With `durable`, fsync
    first, so the new content survives a power cut as well as a kill. Raises OSError; leaves no temp file."""
    write_atomic_many([(path, data)], durable=durable)
    return Path(path)


def write_atomic_many(items: Sequence[tuple[str | Path, str | bytes]], *, durable: bool = False,
                      also_sync: Sequence[str | Path] = ()) -> None:
    """write_atomic for several files: each is written to its temporary file, then (with `durable`) all of
    them and the existing files in `also_sync` are fsynced at once, then each is renamed over its path, in
    order. Each file keeps write_atomic's guarantee, but the disk is waited for once, not once per file
    (fsyncs issued together share one journal commit). Raises OSError; leaves no temp file."""
    temps: list[tuple[Path, str, int]] = []
    try:
        for name, data in items:
            path = Path(name)
            blob = data.encode("utf-8") if isinstance(data, str) else data
            handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((path, tmp, handle))
            os.fchmod(handle, _new_file_mode())
            _write_all(handle, blob)
        if durable:
            extra = [os.open(p, os.O_RDONLY) for p in also_sync]
            try:
                fsync_together([handle for _, _, handle in temps] + extra)
            finally:
                for fd in extra:
                    os.close(fd)
        for path, tmp, _ in temps:
            os.replace(tmp, path)
    except BaseException:
        for _, tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        for _, _, handle in temps:
            os.close(handle)


def _write_all(fd: int, blob: bytes) -> None:
    view = memoryview(blob)
    while view:
        done = os.write(fd, view)
        if done <= 0:
            raise OSError(errno.ENOSPC, "no space left on device")
        view = view[done:]


def fsync_together(fds: Sequence[int]) -> None:
    """fsync every descriptor, all at once (one thread each beyond the first), so the filesystem can commit
    them together; raises the first OSError once all are done."""
    errors: list[OSError] = []

    def one(fd: int) -> None:
        try:
            os.fsync(fd)
        except OSError as exc:
            errors.append(exc)

    helpers = [threading.Thread(target=one, args=(fd,), daemon=True) for fd in fds[1:]]
    for helper in helpers:
        helper.start()
    if fds:
        one(fds[0])
    for helper in helpers:
        helper.join()
    if errors:
        raise errors[0]


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
