"""An evaluation's files: results.jsonl (one line per finished sample) and summary.json.

results.jsonl is append-only while a run goes: each line reaches the file with a single write, and an
fsync (one for the samples that finished together) makes it durable before it is counted, so a killed run
loses at most the samples still in flight. Each line is built here too: `sample_record` for a sample the loop
finished, `unattempted_record` for one it never did.
Reading it back for --resume ignores a torn last line. A failed write (a full disk) is rolled back
by truncating the file to its last good size, so the file never holds half a line.
"""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path

from aigchip.sim.files import write_atomic, write_atomic_many
from aigchip.sim.types import Status
from typing import Any, Callable, Iterable, TypeGuard

RESULTS = "results.jsonl"
SUMMARY = "summary.json"
RETRY_ON_RESUME = frozenset({"model_error", "crash"})  # `stopped` values a resumed run tries again

_write = os.write  # the one call that writes a line (tests replace it to simulate a full disk)


class ResultsWriteError(RuntimeError):
    """results.jsonl could not be written; the file was rolled back to its last complete line."""


def sample_key(record: dict[str, Any]) -> tuple[str, int]:
    return str(record["task"]), int(record["sample"])


def _is_record(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and isinstance(value.get("task"), str) and isinstance(value.get("sample"), int)


def read_results(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The complete, well-formed lines of `path` (first line wins for a repeated sample), and how many
    lines were left out (a torn last line, anything that is not a result)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    records: dict[tuple[str, int], dict[str, Any]] = {}
    left_out = 0
    for raw in data.splitlines(keepends=True):
        try:
            record = json.loads(raw) if raw.endswith(b"\n") else None  # no newline: torn mid-write
        except ValueError:
            record = None
        if not _is_record(record):
            left_out += bool(raw.strip())
            continue
        records.setdefault(sample_key(record), record)
    return list(records.values()), left_out


def encode(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode("utf-8")


class ResultsFile:
    """results.jsonl opened for appending; `append` is durable or raises ResultsWriteError."""

    def __init__(self, path: Path, *, resume: bool,
                 retry: Callable[[dict[str, Any]], bool] = lambda r: r.get("stopped") in RETRY_ON_RESUME) -> None:
        self.path = Path(path)
        self.finished: list[dict[str, Any]] = []
        self.left_out = self.retried = 0
        if resume:
            records, self.left_out = read_results(self.path)
            self.finished = [r for r in records if not retry(r)]
            self.retried = len(records) - len(self.finished)
            if self._differs_from_file(self.finished):
                _replace_atomically(self.path, b"".join(encode(r) for r in self.finished))
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if resume else os.O_TRUNC)
        self._fd: int | None = os.open(self.path, flags, 0o644)
        self.size = os.fstat(self._fd).st_size  # bytes of complete lines

    def _differs_from_file(self, kept: list[dict[str, Any]]) -> bool:
        try:
            return self.path.read_bytes() != b"".join(encode(r) for r in kept)
        except FileNotFoundError:
            return False

    def append(self, record: dict[str, Any], *, sync: bool = True) -> None:
        """Write `record` as one line; with `sync` (else at the next sync()), make it durable."""
        if self._fd is None:
            raise ResultsWriteError(f"{self.path} is closed")
        data = encode(record)
        try:
            done = _write(self._fd, data)
            while done < len(data):  # regular files take it all at once unless the disk is full
                more = _write(self._fd, data[done:])
                if more <= 0:
                    raise OSError(errno.ENOSPC, "no space left on device")
                done += more
            if sync:
                os.fsync(self._fd)
        except OSError as exc:
            self._roll_back()
            raise self._failed(exc) from None
        self.size += len(data)

    def sync(self) -> None:
        """Make every line appended so far durable: samples that finish together cost one fsync, not one each."""
        if self._fd is None:
            raise ResultsWriteError(f"{self.path} is closed")
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise self._failed(exc) from None

    def _failed(self, exc: OSError) -> ResultsWriteError:
        reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or str(exc)
        return ResultsWriteError(f"cannot write {self.path}: {reason}. It keeps its {self.size} bytes of finished "
                                 "samples; free some space and run again with --resume")

    def _roll_back(self) -> None:
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, self.size)
            os.fsync(self._fd)
        except OSError:
            pass  # the next resume ignores a torn last line all the same

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _replace_atomically(path: Path, data: bytes) -> None:
    write_atomic(path, data, durable=True)


def write_json(path: Path, value: Any, *, durable: bool = True) -> None:
    """Write JSON atomically (temp file and rename), so a reader never sees half of it; with `durable`, it
    survives a power cut too."""
    write_atomic(path, json_text(value), durable=durable)


def json_text(value: Any) -> str:
    return json.dumps(value, indent=1, default=str) + "\n"


def write_files(folder: Path, texts: dict[str, str], *, also_sync: Iterable[str] = ()) -> None:
    """Several of a run's files (name: text) at once, each atomically and durably, and the files named in
    `also_sync` (already written, not yet durable) made durable with them: one wait for the disk, not one
    per file."""
    write_atomic_many([(Path(folder) / name, text) for name, text in texts.items()], durable=True,
                      also_sync=[Path(folder) / name for name in also_sync])


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def by_task(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(str(record["task"]), []).append(record)
    return grouped


def sample_record(task_id: str, sample: int, outcome: Any, summary: dict[str, Any],
                  duration_s: float) -> dict[str, Any]:
    """One results.jsonl line: the contract's keys, then what the report needs."""
    from aigchip.loop import rank

    statuses = []
    for iteration in range(1, outcome.iterations + 1):
        tried = [a for a in outcome.attempts if a.iteration == iteration]
        statuses.append(str(min(tried, key=rank).status) if tried else "no_code")
    passed_at = None
    if outcome.status is Status.PASS and outcome.attempts:
        passed_at = min(outcome.attempts, key=rank).iteration  # when the design that passed was written
    return {"task": task_id, "sample": sample, "status": str(outcome.status), "iterations": outcome.iterations,
            "tokens": summary["tokens"], "stopped": outcome.stopped, "duration_s": round(duration_s, 3),
            "statuses": statuses, "passed_at": passed_at, "model": summary["model"],
            "replies": outcome.replies, "cached_replies": outcome.cached_replies, "message": outcome.message[:500],
            "demos": [d["id"] for d in summary.get("demos", [])],
            **{key: summary[key] for key in ("cost", "equivalence") if summary.get(key) is not None}}


def unattempted_record(task_id: str, sample: int, stopped: str, message: str, started: float) -> dict[str, Any]:
    """A sample the loop never finished (the endpoint failed, a crash): a failure, never left out."""
    return {"task": task_id, "sample": sample, "status": str(Status.TOOL_ERROR), "iterations": 0,
            "tokens": no_tokens(), "stopped": stopped, "duration_s": round(time.monotonic() - started, 3),
            "statuses": [], "passed_at": None, "model": None, "replies": 0, "cached_replies": 0,
            "message": message[:500]}


def no_tokens() -> dict[str, Any]:
    return {"prompt": 0, "completion": 0, "total": 0, "cost_usd": None}
