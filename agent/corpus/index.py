"""Retrieval over a corpus: the tokenizer, and a per-grain index of BM25 (corpus.bm25) that can be persisted
next to the corpus as `CORPUS.index.json`.

Each grain has its own BM25 over one document per entry: the entry's description at that grain (or, when
it has none, at the nearest grain it has: see FALLBACK), plus its tags and top name. The persisted file
records the corpus file's size, mtime and sha256, so an index whose corpus changed is seen as stale and
rebuilt, and where each entry's line is in the corpus, so a fresh index can stand in for reading it
(corpus.lazy). A query adds up term weights along its terms' posting lists: a few milliseconds on 10,000
entries (benchmarks/bench_corpus.py); loading decodes a grain's postings when a query first asks for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from array import array
from pathlib import Path

from aigchip.sim.files import write_atomic
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple, Sequence

from aigchip.corpus.bm25 import BM25, Decoded, pack, unpack
from aigchip.corpus.schema import GRAINS, Entry, Problem

INDEX_VERSION = 4
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from has have i in into is it its must of on or our please should "
    "so that the their then these this those to use uses using we when which while will with would you your "
    "design implement write create make module verilog systemverilog".split())
FALLBACK = {"high_level": ("high_level", "detailed", "block"), "detailed": ("detailed", "high_level", "block"),
            "block": ("block", "detailed", "high_level")}
NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen".split())}
NUMBER_WORDS.update({"twenty": "20", "thirty": "30", "sixty": "60", "single": "1", "dual": "2", "quad": "4"})
_CAMEL_INNER = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_DIGITS = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")  # counter4 -> counter 4


def stem(word: str) -> str:
    """Light suffix stripping: flags/flag, saturates/saturating/saturated, addresses/address."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words(text: str) -> list[str]:
    """Surface words: runs of letters and digits (so snake_case splits), camelCase split as well as whole; no
    single letters (port names like `q` or `x`, the x of 2x2: they match by chance, and `2x2` is kept whole)."""
    found: list[str] = []
    for chunk in _ALNUM.findall(text):
        if (chunk.isalpha() and chunk.islower()) or chunk.isdigit():
            found.append(chunk)
            continue
        parts = _DIGITS.sub(" ", _CAMEL_INNER.sub(r"\1 \2", _CAMEL.sub(r"\1 \2", chunk))).split()
        found.extend(p.lower() for p in parts)
        if len(parts) > 1:
            found.append(chunk.lower())
    return [w for w in found if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def tokenize(text: str) -> list[str]:
    """Index terms: the words, number words as digits ("four-bit" and "4-bit" meet), lightly stemmed."""
    return [NUMBER_WORDS.get(w) or stem(w) for w in words(text)]


class Hit(NamedTuple):
    """One scored entry: its id, the grain shown, and each matched query term's contribution."""

    entry_id: str
    grain: str
    parts: dict[str, float]
    doc: int = -1  # the document's number in the index

    @property
    def score(self) -> float:
        return sum(self.parts.values())


def grain_document(entry: Entry, grain: str) -> tuple[str | None, str]:
    """The grain shown for `entry` when `grain` is asked (None: it has no description) and the text indexed."""
    shown = next((g for g in FALLBACK[grain] if entry.text_at(g)), None)
    text = entry.text_at(shown) if shown else ""
    return shown, " ".join([text, *entry.tags, entry.top])


class CorpusIndex:
    """BM25 per grain over a corpus's entries, one document per entry, documents in id order.

    An index of a JSONL corpus also knows where each document's line is in the file (`lines`: byte offsets
    and lengths) and which lines were skipped (`problems`), so a fresh one can stand in for reading the
    corpus (see corpus.lazy)."""

    def __init__(self, ids: list[str], shown: dict[str, list[str | None]], bm25: dict[str, BM25],
                 corpus: dict | None = None):
        self.ids, self.shown, self.bm25, self.corpus = ids, shown, bm25, corpus or {}
        self.loaded_from: Path | None = None  # the file it came from, when it was read from disk
        self.entries: Sequence[Entry] | None = None  # the entries `attach` was given
        self.lines: tuple[Sequence[int], Sequence[int]] | None = None  # per document: line offset, line length
        self.problems: list[dict] = []  # the corpus's skipped lines: {line, message, kind}
        self._read: Callable[[int], Entry] = [].__getitem__

    @classmethod
    def build(cls, entries: Sequence[Entry], corpus: dict | None = None, *,
              lines: Sequence[tuple[int, int]] | None = None, problems: Iterable[Problem] = ()) -> CorpusIndex:
        """The index of `entries`; `lines` are their lines' (offset, length) in the corpus file, in the same
        order, and `problems` the lines the corpus's loading skipped."""
        order = sorted(range(len(entries)), key=lambda n: entries[n].id)
        ordered = [entries[n] for n in order]
        shown: dict[str, list[str | None]] = {}
        bm25: dict[str, BM25] = {}
        for grain in GRAINS:
            docs = [grain_document(e, grain) for e in ordered]
            shown[grain] = [g for g, _ in docs]
            bm25[grain] = BM25([tokenize(text) if g else [] for g, text in docs])
        index = cls([e.id for e in ordered], shown, bm25, corpus)
        if lines is not None:
            index.lines = (array("q", [lines[n][0] for n in order]), array("q", [lines[n][1] for n in order]))
        index.problems = [p.model_dump(include={"line", "message", "kind"}) for p in problems]
        index.attach(entries)
        return index

    def attach(self, entries: Sequence[Entry]) -> bool:
        """Remember `entries` (the corpus this index describes) so hits map to them without a lookup;
        False, and nothing attached, when their ids are not the index's."""
        by_id = {e.id: e for e in entries}
        if len(by_id) != len(self.ids) or any(i not in by_id for i in self.ids):
            return False
        self.entries, self._read = entries, [by_id[i] for i in self.ids].__getitem__
        return True

    def attach_reader(self, entries: Sequence[Entry], read: Callable[[int], Entry]) -> None:
        """Remember `entries`, whose document number n `read(n)` gives (a corpus read only where needed)."""
        self.entries, self._read = entries, read

    def entry(self, hit: Hit) -> Entry:
        """The attached entry a hit is about."""
        return self._read(hit.doc)

    def __len__(self) -> int:
        return len(self.ids)

    def ranked(self, grain: str, query: Iterable[str]) -> Iterator[Hit]:
        """Entries matching the (tokenised) query at `grain`, best first, ties by id (the documents'
        order, which a stable sort keeps); lazily, each hit's per-term parts worked out when reached."""
        if grain not in GRAINS:
            raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(GRAINS)}")
        terms, bm25, shown = set(query), self.bm25[grain], self.shown[grain]
        scores = bm25.scores(terms)
        for doc in sorted(range(len(scores)), key=scores.__getitem__, reverse=True):
            if scores[doc] <= 0.0:
                return
            label = shown[doc]
            if label is not None:
                yield Hit(self.ids[doc], label, bm25.parts(terms, doc), doc)

    def search(self, grain: str, query: Iterable[str]) -> list[Hit]:
        """Every matching entry, best first (see `ranked`)."""
        return list(self.ranked(grain, query))

    def ceiling(self, grain: str, query: Iterable[str]) -> float:
        """The best score a query could get at `grain` (see BM25.ceiling)."""
        return self.bm25[grain].ceiling(query)

    def query(self, grain: str, text: str, k: int = 5) -> list[Hit]:
        return [hit for _, hit in zip(range(k), self.ranked(grain, tokenize(text)))]

    def state(self) -> dict:
        lines = None if self.lines is None else {"offsets": pack(self.lines[0], "q"), "lengths": pack(self.lines[1], "q")}
        return {"version": INDEX_VERSION, "byteorder": sys.byteorder, "corpus": self.corpus, "ids": self.ids,
                "lines": lines, "problems": self.problems,
                "grains": {g: {"shown": self.shown[g], **self.bm25[g].state()} for g in GRAINS}}

    @classmethod
    def from_state(cls, state: dict) -> CorpusIndex:
        if state.get("version") != INDEX_VERSION:
            raise ValueError(f"index version {state.get('version')!r}, expected {INDEX_VERSION}")
        if state.get("byteorder") != sys.byteorder:
            raise ValueError(f"index written on a {state.get('byteorder')}-endian machine")
        grains = state["grains"]
        for grain in GRAINS:  # what decoding a grain later needs (it is decoded when a query first asks)
            if not all(isinstance(grains[grain][k], str) for k in ("lengths", "offsets", "docs", "tf")):
                raise ValueError(f"the index's {grain} postings are not packed arrays")
        index = cls(list(state["ids"]), {g: grains[g]["shown"] for g in GRAINS}, Decoded(grains),
                    state.get("corpus"))
        lines = state.get("lines")
        if lines is not None:
            index.lines = (unpack(lines["offsets"], "q"), unpack(lines["lengths"], "q"))
            if not len(index.lines[0]) == len(index.lines[1]) == len(index.ids):
                raise ValueError("the index's line offsets do not match its documents")
        index.problems = list(state.get("problems") or [])
        return index


def index_path(corpus: str | Path) -> Path:
    """Where the index of `corpus` lives: CORPUS.index.json beside it."""
    corpus = Path(corpus)
    return corpus.with_name(corpus.name + ".index.json")


def fingerprint(corpus: str | Path, *, with_hash: bool = True) -> dict:
    """The corpus file's size, mtime and (unless asked not to) sha256."""
    with open(corpus, "rb") as handle:
        return handle_fingerprint(handle, with_hash=with_hash)


def handle_fingerprint(handle: BinaryIO, *, with_hash: bool = True) -> dict:
    """`fingerprint` of the file `handle` has open (read from its start)."""
    stat = os.fstat(handle.fileno())
    found: dict = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if with_hash:
        digest = hashlib.sha256()
        handle.seek(0)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        found["sha256"] = digest.hexdigest()
    return found


def is_fresh(index: CorpusIndex, corpus: str | Path) -> bool:
    """True when `index` was built from the corpus file as it is now (size and mtime, else the sha256)."""
    with open(corpus, "rb") as handle:
        return describes(index, handle)


def describes(index: CorpusIndex, handle: BinaryIO) -> bool:
    """`is_fresh` for the corpus file `handle` has open."""
    recorded = index.corpus or {}
    quick = handle_fingerprint(handle, with_hash=False)
    if recorded.get("size") != quick["size"]:
        return False
    if recorded.get("mtime_ns") == quick["mtime_ns"]:
        return True
    return recorded.get("sha256") == handle_fingerprint(handle)["sha256"]  # touched, not changed


def save(index: CorpusIndex, path: str | Path) -> Path:
    """Write the index atomically (compact JSON)."""
    path = Path(path)
    write_atomic(path, json.dumps(index.state(), separators=(",", ":")))
    return path


def load(path: str | Path) -> CorpusIndex:
    """Read a persisted index; raises ValueError when the file is not one this version wrote."""
    path = Path(path)
    try:
        index = CorpusIndex.from_state(json.loads(path.read_text(encoding="utf-8")))
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a corpus index ({exc})") from None
    index.loaded_from = path
    return index


def build_for(corpus: str | Path, entries: Sequence[Entry], *, lines: Sequence[tuple[int, int]] | None = None,
              problems: Iterable[Problem] = ()) -> CorpusIndex:
    """An index of `entries` (as loaded from `corpus`), fingerprinted with the corpus file; `lines` and
    `problems` as `schema.load_jsonl_located` gives them let a later run read only the entries it needs."""
    return CorpusIndex.build(entries, corpus=fingerprint(corpus), lines=lines, problems=problems)


def write_index(corpus: str | Path, entries: Sequence[Entry], *, lines: Sequence[tuple[int, int]] | None = None,
                problems: Iterable[Problem] = ()) -> Path:
    """Build and persist the index of `corpus` beside it."""
    return save(build_for(corpus, entries, lines=lines, problems=problems), index_path(corpus))


def persisted(corpus: str | Path, entries: Sequence[Entry], *, lines: Sequence[tuple[int, int]] | None = None,
              problems: Iterable[Problem] = ()) -> CorpusIndex | None:
    """The index persisted beside `corpus`, rebuilt (and rewritten) when stale; None when there is none."""
    path = index_path(corpus)
    if not path.is_file():
        return None
    try:
        index = load(path)
        if is_fresh(index, corpus) and index.attach(entries) and (index.lines is not None or lines is None):
            return index  # (one without line offsets is rebuilt when they are known: later loads can be lazy)
    except (OSError, ValueError):
        pass  # unreadable or from another version: rebuild it
    index = build_for(corpus, entries, lines=lines, problems=problems)
    try:
        save(index, path)
        index.loaded_from = path
    except OSError:
        pass  # a read-only folder: use the fresh index in memory
    return index
