"""Retrieval over a corpus: the tokenizer, Okapi BM25 (the one implementation), and a per-grain index that
can be persisted next to the corpus as `CORPUS.index.json`.

Each grain has its own BM25 over one document per entry: the entry's description at that grain (or, when
it has none, at the nearest grain it has: see FALLBACK), plus its tags and top name. The persisted file
records the corpus file's size, mtime and sha256, so an index whose corpus changed is seen as stale and
rebuilt. A query adds up term weights along its terms' posting lists: a few milliseconds on 10,000 entries
(benchmarks/bench_corpus.py). Postings are stored as base64 arrays and kept as arrays once loaded; a term's
weights are computed when a query first needs them, so loading does no arithmetic.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from pathlib import Path

from aigchip.sim.files import write_atomic
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple, Sequence

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


def _pack(values: Iterable[int], code: str) -> str:
    return base64.b64encode(array(code, values).tobytes()).decode("ascii")


def _unpack(text: str, code: str) -> array:
    found = array(code)
    found.frombytes(base64.b64decode(text))
    return found


class BM25:
    """Okapi BM25 over tokenised documents. Postings are flat arrays (each term's documents in order, and
    their term counts, at the term's offsets); a term's weights are worked out the first time a query asks
    for it and kept, so loading a large index does no arithmetic and a query only adds numbers up."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75):
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for number, doc in enumerate(docs):
            for term, count in Counter(doc).items():
                found = postings.get(term)
                if found is None:
                    found = postings[term] = ([], [])
                found[0].append(number)
                found[1].append(count)
        terms = list(postings)
        offsets = [0]
        for term in terms:
            offsets.append(offsets[-1] + len(postings[term][0]))
        self._setup(terms, offsets, array("i", [d for t in terms for d in postings[t][0]]),
                    array("i", [f for t in terms for f in postings[t][1]]), [len(doc) for doc in docs], k1, b)

    def _setup(self, terms: list[str], offsets: Sequence[int], docs: Sequence[int], tfs: Sequence[int],
               lengths: Sequence[int], k1: float, b: float) -> None:
        self.k1, self.b, self.lengths = k1, b, lengths
        self._terms, self._offsets, self._docs, self._tfs = terms, offsets, docs, tfs
        self._number = {t: n for n, t in enumerate(terms)}
        self.avg = (sum(lengths) / len(lengths)) if lengths else 0.0
        self._norm: list[float] | None = None
        self._rarest: float | None = None
        self._weighted: dict[str, tuple[Sequence[int], list[float]]] = {}

    def __len__(self) -> int:
        return len(self.lengths)

    def idf(self, term: str) -> float | None:
        """The term's inverse document frequency (None: no document has it)."""
        number = self._number.get(term)
        if number is None:
            return None
        return self._idf_of(self._offsets[number + 1] - self._offsets[number])

    def _idf_of(self, df: int) -> float:
        return math.log(1 + (len(self.lengths) - df + 0.5) / (df + 0.5))

    def postings(self, term: str) -> tuple[Sequence[int], list[float]] | None:
        """The documents holding `term`, in order, and the term's weight in each (None: in none)."""
        found = self._weighted.get(term)
        if found is not None:
            return found
        number = self._number.get(term)
        if number is None:
            return None
        if self._norm is None:
            k1, b, avg = self.k1, self.b, self.avg or 1
            self._norm = [k1 * (1 - b + b * n / avg) for n in self.lengths]
        start, end = self._offsets[number], self._offsets[number + 1]
        docs, norm, boost = self._docs[start:end], self._norm, self.k1 + 1
        idf = self._idf_of(end - start)
        found = self._weighted[term] = (docs, [idf * f * boost / (f + norm[i]) for i, f in zip(docs, self._tfs[start:end])])
        return found

    def scores(self, query: Iterable[str]) -> list[float]:
        """Every document's score for the query terms (0.0 where none matched)."""
        totals = [0.0] * len(self.lengths)
        for term in sorted(set(query)):  # a fixed order: the same sums, to the last bit, in every process
            found = self.postings(term)
            if found is not None:
                for doc, weight in zip(*found):
                    totals[doc] += weight
        return totals

    def ceiling(self, query: Iterable[str]) -> float:
        """What a document matching every query term strongly would score: each term's idf times (k1 + 1), a
        term no document has counted as the rarest one (it is specific, and nothing matches it)."""
        if self._rarest is None:
            offsets = self._offsets
            fewest = min((offsets[n + 1] - offsets[n] for n in range(len(self._terms))), default=None)
            self._rarest = 0.0 if fewest is None else self._idf_of(fewest)
        rarest = self._rarest
        return sum(rarest if (idf := self.idf(t)) is None else idf for t in set(query)) * (self.k1 + 1)

    def parts(self, query: Iterable[str], doc: int) -> dict[str, float]:
        """Each query term's contribution to document `doc`'s score (matched terms only)."""
        found: dict[str, float] = {}
        for term in sorted(set(query)):
            docs, weights = self.postings(term) or ((), [])
            at = bisect_left(docs, doc)
            if at < len(docs) and docs[at] == doc:
                found[term] = weights[at]
        return found

    def score(self, query: set[str], index: int) -> dict[str, float]:
        return self.parts(query, index)

    def state(self) -> dict:
        return {"k1": self.k1, "b": self.b, "terms": self._terms, "lengths": _pack(self.lengths, "i"),
                "offsets": _pack(self._offsets, "q"), "docs": _pack(self._docs, "i"),
                "tf": _pack([min(f, 65535) for f in self._tfs], "H")}

    @classmethod
    def from_state(cls, state: dict) -> BM25:
        index = cls.__new__(cls)
        index._setup(list(state["terms"]), _unpack(state["offsets"], "q"), _unpack(state["docs"], "i"),
                     _unpack(state["tf"], "H"), _unpack(state["lengths"], "i"), float(state["k1"]), float(state["b"]))
        return index


class _Decoded(dict):
    """BM25 per grain, each decoded from its persisted state when first asked for (a query needs one)."""

    def __init__(self, states: dict[str, dict]) -> None:
        super().__init__()
        self._states = states

    def __missing__(self, grain: str) -> BM25:
        if grain not in self._states:
            raise KeyError(grain)
        found = self[grain] = BM25.from_state(self._states[grain])
        return found


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
        lines = None if self.lines is None else {"offsets": _pack(self.lines[0], "q"), "lengths": _pack(self.lines[1], "q")}
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
        index = cls(list(state["ids"]), {g: grains[g]["shown"] for g in GRAINS}, _Decoded(grains),
                    state.get("corpus"))
        lines = state.get("lines")
        if lines is not None:
            index.lines = (_unpack(lines["offsets"], "q"), _unpack(lines["lengths"], "q"))
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
