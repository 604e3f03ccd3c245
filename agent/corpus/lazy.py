"""A JSONL corpus read through its fresh persisted index: the index alone ranks the entries, and only the
entries a selection reaches (the ones picked, and those checked for near-copies on the way) are read from
the file, by the byte offsets the index recorded, and validated.

The corpus file is opened once and checked against the index's fingerprint on that open file, so a corpus
replaced later (dump_jsonl writes a new file) is still read as it was when checked, and lines appended later
move nothing. Each line read must hold the entry the index expects there; when it does not (the file was
rewritten in place), CorpusChanged says so. Anything that walks every entry reads the whole file once.
"""

from __future__ import annotations

import io
import os
import threading
import weakref
from pathlib import Path
from typing import Iterator, Sequence, overload

from aigchip.corpus import index as corpus_index
from aigchip.corpus.index import CorpusIndex
from aigchip.corpus.schema import Entry, Problem, parse_line, scan_jsonl


class CorpusChanged(ValueError):
    """The corpus file no longer holds what its index says it does."""


class LazyEntries(Sequence[Entry]):
    """The entries of a corpus (in file order, like `schema.load_jsonl`), each read when first used."""

    def __init__(self, path: Path, index: CorpusIndex, handle: io.BufferedReader) -> None:
        if index.lines is None:
            raise ValueError("the index does not record where its entries are")
        self.path, self.corpus_index = path, index
        self._fd, self._size = handle.fileno(), int(index.corpus["size"])
        self._offsets, self._lengths = index.lines
        self._read: dict[int, Entry] = {}
        self._all: list[Entry] | None = None
        self._lock = threading.Lock()
        weakref.finalize(self, handle.close)  # the file stays open as long as its entries may be read

    def doc(self, number: int) -> Entry:
        """The entry of the index's document `number`, read from its line and validated."""
        found = self._read.get(number)
        if found is not None:
            return found
        offset, expected = self._offsets[number], self.corpus_index.ids[number]
        try:
            found = parse_line(os.pread(self._fd, self._lengths[number], offset).decode("utf-8"))
        except ValueError:  # UnicodeDecodeError is one too
            found = None
        if found is None or found.id != expected:
            raise CorpusChanged(f"{self.path} changed while it was in use: the line at byte {offset} no longer "
                                f"holds entry {expected!r}; run again to re-read it")
        self._read[number] = found
        return found

    def entries(self) -> list[Entry]:
        """Every entry, read from the file once (in file order)."""
        with self._lock:
            if self._all is None:
                chunks, at = [], 0
                while at < self._size:
                    chunk = os.pread(self._fd, min(self._size - at, 1 << 24), at)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    at += len(chunk)
                found, _, _ = scan_jsonl(io.BytesIO(b"".join(chunks)), str(self.path))
                if sorted(e.id for e in found) != self.corpus_index.ids:
                    raise CorpusChanged(f"{self.path} changed while it was in use; run again to re-read it")
                self._all = found
            return self._all

    def problems(self) -> list[Problem]:
        """The lines the corpus's loading skipped, as recorded when the index was built."""
        return [Problem(file=str(self.path), **p) for p in self.corpus_index.problems]

    def __len__(self) -> int:
        return len(self.corpus_index.ids)

    @overload
    def __getitem__(self, at: int) -> Entry: ...

    @overload
    def __getitem__(self, at: slice) -> list[Entry]: ...

    def __getitem__(self, at: int | slice) -> Entry | list[Entry]:
        return self.entries()[at]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())


def open_lazy(corpus: str | Path) -> LazyEntries | None:
    """The corpus's entries read through its persisted index, when that index is fresh and records where its
    entries are; None otherwise (no index, a stale or unreadable one, or one from before offsets were kept),
    and the caller loads the corpus whole. OSError when the corpus cannot be opened."""
    corpus = Path(corpus)
    path = corpus_index.index_path(corpus)
    if not path.is_file():
        return None
    try:
        index = corpus_index.load(path)
    except (OSError, ValueError):
        return None
    if index.lines is None:
        return None
    handle = open(corpus, "rb")  # noqa: SIM115 -- LazyEntries keeps it open and closes it when it goes
    try:
        fresh = corpus_index.describes(index, handle)
    except OSError:
        handle.close()
        raise
    if not fresh:
        handle.close()
        return None
    lazy = LazyEntries(corpus, index, handle)
    index.attach_reader(lazy, lazy.doc)
    return lazy
