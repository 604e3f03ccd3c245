"""Exact and near-duplicate code: MinHash signatures over token shingles, with LSH banding for candidates.

Exact copies (equal once comments and whitespace are gone) share `verilog.normalized`; near copies have an
estimated Jaccard similarity of their token 5-shingles of at least `threshold` (0.8 by default).
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Sequence

from aigchip.sim import source

_TOKEN = re.compile(r"[A-Za-z_][\w$]*|\d[\w']*|\S")
_PRIME = (1 << 61) - 1
SHINGLE = 5


def code_shingles(code: str, size: int = SHINGLE) -> set[int]:
    """64-bit hashes of the code's token `size`-shingles (comments and strings left out)."""
    tokens = _TOKEN.findall(source.blank_comments_and_strings(code))
    grams = [" ".join(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1))] if tokens else []
    return {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams}


class MinHash:
    """`permutations` hash functions (a*x + b mod p); a signature keeps each one's minimum over the set."""

    def __init__(self, permutations: int = 64, bands: int = 16, seed: int = 1):
        if permutations % bands:
            raise ValueError("permutations must be a multiple of bands")
        rng = random.Random(seed)
        self.params = [(rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(permutations)]
        self.bands, self.rows = bands, permutations // bands

    def signature(self, hashes: set[int]) -> tuple[int, ...]:
        if not hashes:
            return tuple(_PRIME for _ in self.params)
        return tuple(min((a * h + b) % _PRIME for h in hashes) for a, b in self.params)

    @staticmethod
    def similarity(one: Sequence[int], other: Sequence[int]) -> float:
        """The estimated Jaccard similarity: the share of hash functions whose minimums agree."""
        return sum(x == y for x, y in zip(one, other)) / len(one)

    def band_keys(self, signature: Sequence[int]) -> list[tuple[int, tuple[int, ...]]]:
        return [(band, tuple(signature[band * self.rows:(band + 1) * self.rows])) for band in range(self.bands)]


def find_duplicates(codes: Sequence[str], *, threshold: float = 0.8,
                    minhash: MinHash | None = None) -> dict[int, tuple[int, str]]:
    """For each code that repeats an earlier one: its position -> (the earlier position, "exact" | "near").
    The first of each group is kept; candidates come from LSH bands and are confirmed by similarity."""
    from aigchip.corpus.verilog import normalized

    minhash = minhash or MinHash()
    first_seen: dict[str, int] = {}
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    signatures: dict[int, tuple[int, ...]] = {}
    found: dict[int, tuple[int, str]] = {}
    for position, code in enumerate(codes):
        key = normalized(code)
        if key in first_seen:
            found[position] = (first_seen[key], "exact")
            continue
        first_seen[key] = position
        signature = signatures[position] = minhash.signature(code_shingles(code))
        keys = minhash.band_keys(signature)
        candidates = sorted({other for k in keys for other in buckets.get(k, ())})
        match = next((c for c in candidates if MinHash.similarity(signature, signatures[c]) >= threshold), None)
        if match is not None:
            found[position] = (match, "near")
            continue
        for k in keys:
            buckets.setdefault(k, []).append(position)
    return found
