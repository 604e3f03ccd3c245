"""Pick demonstrations for a spec from a multi-grained corpus.

Relevance is BM25 over each entry's description at the spec's grain, plus its tags and top name.
Demos are added in score order while they fit a token budget, and never include the task itself or a
near-copy of it: callers pass the task's id and texts (spec, reference code) as exclusions. The spec is
not excluded automatically; a user's own spec that matches a demo closely makes that demo more useful.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Sequence

from pydantic import BaseModel

from agent.corpus.schema import GRAINS, Entry, load_demo_library

STOPWORDS = frozenset(
    "a an and are as at be by can do for from has have i in into is it its must of on or our please should "
    "so that the their then these this those to use uses using we when which while will with would you your "
    "design implement write create make module verilog systemverilog".split())
SHINGLE = 5
NEAR_JACCARD, NEAR_CONTAINMENT, MIN_CONTAINED = 0.5, 0.8, 5  # containment needs >= 5 shingles in the smaller
FALLBACK = {"high_level": ("high_level", "detailed", "block"), "detailed": ("detailed", "high_level", "block"),
            "block": ("block", "detailed", "high_level")}


class Demo(BaseModel):
    id: str
    top: str
    score: float
    grain: str  # the grain shown (the spec's, or the nearest the entry has)
    description: str
    code: str
    why: str  # the spec's words that matched, strongest first


def _stem(word: str) -> str:
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


def _words(text: str) -> list[str]:
    """Surface words: runs of letters and digits (so snake_case splits), camelCase split as well as whole."""
    found: list[str] = []
    for chunk in re.findall(r"[A-Za-z0-9]+", text):
        parts = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", chunk)).split()
        found.extend(p.lower() for p in parts)
        if len(parts) > 1:
            found.append(chunk.lower())
    return [w for w in found if w not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    return [_stem(w) for w in _words(text)]


class BM25:
    """Okapi BM25 over tokenised documents."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tf = [Counter(doc) for doc in docs]
        self.lengths = [len(doc) for doc in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 0.0
        df = Counter(term for tf in self.tf for term in tf)
        self.idf = {t: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for t, n in df.items()}

    def score(self, query: set[str], index: int) -> dict[str, float]:
        """Each query term's contribution to document `index`'s score (matched terms only)."""
        tf, norm = self.tf[index], 1 - self.b + self.b * self.lengths[index] / (self.avg or 1)
        return {t: self.idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + self.k1 * norm) for t in query if tf.get(t)}


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _near(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    if common / len(a | b) >= NEAR_JACCARD:
        return True
    smaller = min(len(a), len(b))
    return smaller >= MIN_CONTAINED and common / smaller >= NEAR_CONTAINMENT


def near_duplicate(a: str, b: str) -> bool:
    """Word 5-shingles: Jaccard >= 0.5, or >= 80% of the smaller text's shingles found in the other."""
    return _near(_shingles(a), _shingles(b))


_BLOCK_HINT = re.compile(r"^\s*(?:[-*\u2022]\s*|\d+[.)]\s*)?(?:block|part|stage|step)\s*#?\d+\s*[:.)-]", re.I | re.M)
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+\S.*$", re.M)
_PORTISH = re.compile(r"\b(?:input|output|inout)s?\b|\[\s*[\w$()+*/-]+\s*:\s*\d+\s*\]", re.I)
_PORT_HEADING = re.compile(r"^\s*(?:ports|inputs?|outputs?|interface|i/o)\s*:", re.I | re.M)


def spec_grain(spec: str) -> str:
    """"block" for block-by-block hints, "detailed" for long or port-listing specs, else "high_level"."""
    if len(_BLOCK_HINT.findall(spec)) >= 2:
        return "block"
    bullets = _BULLET.findall(spec)
    if re.search(r"\bblocks?\b", spec, re.I) and sum(not _PORTISH.search(b) for b in bullets) >= 2:
        return "block"
    port_lines = sum(bool(_PORTISH.search(line)) for line in spec.splitlines())
    if port_lines >= 2 or _PORT_HEADING.search(spec) or len(re.findall(r"\S+", spec)) >= 60:
        return "detailed"
    return "high_level"


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def select(spec: str, entries: list[Entry], *, k: int = 3, token_budget: int = 3000, grain: str | None = None,
           exclude_ids: set[str] | frozenset[str] = frozenset(), exclude_texts: Sequence[str] = ()) -> list[Demo]:
    """Up to `k` demos for `spec`, best first, whose description and code fit `token_budget` together."""
    grain = grain or spec_grain(spec)
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(GRAINS)}")
    banned = [s for s in map(_shingles, exclude_texts) if s]
    pool: list[tuple[Entry, str]] = []
    for entry in entries:
        if entry.id in exclude_ids:
            continue
        texts = [entry.code, entry.high_level, entry.detailed, entry.text_at("block"), entry.spec or ""]
        if banned and any(_near(_shingles(t), b) for t in texts if t.strip() for b in banned):
            continue
        shown = next((g for g in FALLBACK[grain] if entry.text_at(g)), None)
        if shown is not None:
            pool.append((entry, shown))
    if k <= 0 or not pool:
        return []
    index = BM25([tokenize(" ".join([e.text_at(g), *e.tags, e.top])) for e, g in pool])
    surface: dict[str, str] = {}
    for word in _words(spec):
        surface.setdefault(_stem(word), word)
    scored = [(parts, e, g) for i, (e, g) in enumerate(pool) if (parts := index.score(set(surface), i))]
    scored.sort(key=lambda item: (-sum(item[0].values()), item[1].id))
    demos: list[Demo] = []
    used = 0
    for parts, entry, shown in scored:
        description = entry.text_at(shown)
        cost = estimate_tokens(description + entry.code)
        if used + cost > token_budget:
            continue  # a smaller, less relevant demo may still fit
        used += cost
        terms = sorted(parts, key=lambda t: (-parts[t], t))[:8]
        demos.append(Demo(id=entry.id, top=entry.top, score=round(sum(parts.values()), 4), grain=shown,
                          description=description, code=entry.code, why=", ".join(surface[t] for t in terms)))
        if len(demos) == k:
            break
    return demos


def library_dir() -> Path:
    """$AIGCHIP_DEMOS_DIR, else datasets/demos next to the package (a source checkout)."""
    configured = os.environ.get("AIGCHIP_DEMOS_DIR")
    return Path(configured).expanduser() if configured else Path(__file__).resolve().parent.parent / "datasets" / "demos"


def bundled_library() -> list[Entry]:
    folder = library_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"no demo library at {folder}; set AIGCHIP_DEMOS_DIR to a library folder")
    return load_demo_library(folder)
