"""Okapi BM25 (the one implementation) over tokenised documents, and its persisted form: postings as flat
arrays packed in base64, loaded without arithmetic (a term is weighed when a query first asks for it).
"""

from __future__ import annotations

import base64
import math
from array import array
from bisect import bisect_left
from collections import Counter
from typing import Iterable, Sequence


def pack(values: Iterable[int], code: str) -> str:
    return base64.b64encode(array(code, values).tobytes()).decode("ascii")


def unpack(text: str, code: str) -> array:
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
        return {"k1": self.k1, "b": self.b, "terms": self._terms, "lengths": pack(self.lengths, "i"),
                "offsets": pack(self._offsets, "q"), "docs": pack(self._docs, "i"),
                "tf": pack([min(f, 65535) for f in self._tfs], "H")}

    @classmethod
    def from_state(cls, state: dict) -> BM25:
        index = cls.__new__(cls)
        index._setup(list(state["terms"]), unpack(state["offsets"], "q"), unpack(state["docs"], "i"),
                     unpack(state["tf"], "H"), unpack(state["lengths"], "i"), float(state["k1"]), float(state["b"]))
        return index


class Decoded(dict):
    """BM25 per name (the index's grains), each decoded from its persisted state when first asked for."""

    def __init__(self, states: dict[str, dict]) -> None:
        super().__init__()
        self._states = states

    def __missing__(self, grain: str) -> BM25:
        if grain not in self._states:
            raise KeyError(grain)
        found = self[grain] = BM25.from_state(self._states[grain])
        return found
