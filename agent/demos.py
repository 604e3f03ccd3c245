"""Pick demonstrations for a spec from a multi-grained corpus.

Relevance is BM25 (agent.corpus.index) over each entry's description at the spec's grain, plus its tags
and top name; a corpus with a persisted index beside it (`aigchip dataset index`) is searched through that
index, else one is built in memory. Demos are added in score order while they fit a token budget, and
never include the task itself or a near-copy of it: callers pass the task's id and texts (spec, reference
code) as exclusions. The spec is not excluded automatically; a user's own spec that matches a demo
closely makes that demo more useful.
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Sequence

from pydantic import BaseModel

from aigchip.corpus import index as corpus_index
from aigchip import paths
from aigchip.config import DEMO_GRADED_ENTRIES, DEMO_MIN_COVERAGE, DEMO_MIN_SCORE, DEMO_MIN_SHARE
from aigchip.corpus.index import CorpusIndex, stem, tokenize, words
from aigchip.corpus.lazy import open_lazy
from aigchip.corpus.schema import GRAINS, Entry, Problem, load_demo_library, load_demo_library_checked, load_jsonl_located

if TYPE_CHECKING:
    from aigchip.config import RunConfig
    from aigchip.task import Task

__all__ = ["Demo", "LoadedCorpus", "bundled_library", "corpus_for", "estimate_tokens", "library_dir", "load_corpus",
           "near_duplicate", "near_shingles", "pick_for", "select", "shingles", "spec_grain", "tokenize"]

SHINGLE = 5
NEAR_JACCARD, NEAR_CONTAINMENT, MIN_CONTAINED = 0.5, 0.8, 5  # containment needs >= 5 shingles in the smaller


class Demo(BaseModel):
    id: str
    top: str
    score: float
    grain: str  # the grain shown (the spec's, or the nearest the entry has)
    description: str
    code: str
    why: str  # the spec's words that matched, strongest first


def shingles(text: str) -> set[tuple[str, ...]]:
    """The text's word 5-shingles (the whole text as one shingle when it is shorter)."""
    found = re.findall(r"\w+", text.lower())
    if len(found) < SHINGLE:
        return {tuple(found)} if found else set()
    return {tuple(found[i:i + SHINGLE]) for i in range(len(found) - SHINGLE + 1)}


def near_shingles(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    """`near_duplicate` on shingle sets computed once (see `shingles`)."""
    if not a or not b:
        return False
    common = len(a & b)
    if common / len(a | b) >= NEAR_JACCARD:
        return True
    smaller = min(len(a), len(b))
    return smaller >= MIN_CONTAINED and common / smaller >= NEAR_CONTAINMENT


def near_duplicate(a: str, b: str) -> bool:
    """Word 5-shingles: Jaccard >= 0.5, or >= 80% of the smaller text's shingles found in the other."""
    return near_shingles(shingles(a), shingles(b))


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


def _is_near_copy(entry: Entry, banned: list[set[tuple[str, ...]]]) -> bool:
    texts = [entry.code, entry.high_level, entry.detailed, entry.text_at("block"), entry.spec or ""]
    return any(near_shingles(shingles(t), b) for t in texts if t.strip() for b in banned)


def select(spec: str, entries: Sequence[Entry], *, k: int = 3, token_budget: int = 3000, grain: str | None = None,
           exclude_ids: set[str] | frozenset[str] = frozenset(), exclude_texts: Sequence[str] = (),
           index: CorpusIndex | None = None, min_score: float = DEMO_MIN_SCORE,
           min_coverage: float = DEMO_MIN_COVERAGE, min_share_of_best: float = DEMO_MIN_SHARE) -> list[Demo]:
    """Up to `k` demos for `spec`, best first, whose description and code fit `token_budget` together.

    Only relevant ones, so that a spec the corpus knows nothing about gets no demos rather than unrelated
    ones: a demo needs a score of `min_score`, or `min_coverage` of the best score the spec's words could
    reach (a short spec cannot score high), and `min_share_of_best` of the best eligible demo's score (pass
    min_score=0 and min_share_of_best=0 to rank everything). A corpus of fewer than DEMO_GRADED_ENTRIES
    entries has no minimum: its idf cannot tell a distinctive word from a common one. `index` is the corpus's persisted index (see
    `load_corpus`); without one, one is built in memory. An index of other entries than `entries` still
    works, but only entries in both can be picked.
    """
    grain = grain or spec_grain(spec)
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(GRAINS)}")
    if k <= 0 or not entries:
        return []
    index = index if index is not None else CorpusIndex.build(entries)
    by_id = None if index.entries is entries else {e.id: e for e in entries}  # an index of other entries
    surface: dict[str, str] = {}
    for word in words(spec):
        surface.setdefault(stem(word), word)
    banned = [s for s in map(shingles, exclude_texts) if s]
    demos: list[Demo] = []
    graded = len(index) >= DEMO_GRADED_ENTRIES  # in a smaller corpus every word looks rare: no minimum
    used, floor = 0, min(min_score, min_coverage * index.ceiling(grain, surface)) if graded else 0.0
    best: float | None = None  # the best eligible demo's score
    for hit in index.ranked(grain, surface):
        if hit.score < floor:
            break  # hits come best first: the rest score lower still
        entry = index.entry(hit) if by_id is None else by_id.get(hit.entry_id)
        if entry is None or entry.id in exclude_ids or (banned and _is_near_copy(entry, banned)):
            continue
        if best is None:
            best, floor = hit.score, max(floor, min_share_of_best * hit.score)
        description = entry.text_at(hit.grain)
        cost = estimate_tokens(description + entry.code)
        if used + cost > token_budget:
            continue  # a smaller, less relevant demo may still fit
        used += cost
        terms = sorted(hit.parts, key=lambda t: (-hit.parts[t], t))[:8]
        demos.append(Demo(id=entry.id, top=entry.top, score=round(hit.score, 4), grain=hit.grain,
                          description=description, code=entry.code, why=", ".join(surface[t] for t in terms)))
        if len(demos) == k:
            break
    return demos


class LoadedCorpus(NamedTuple):
    entries: Sequence[Entry]  # a list, or entries read from the file as they are used (corpus.lazy)
    problems: list[Problem]
    index: CorpusIndex | None  # type: ignore[assignment]  # (shadows tuple.index) the persisted index (rebuilt when stale); None when the corpus has none


def load_corpus(path: str | Path) -> LoadedCorpus:
    """A JSONL corpus or a demo-library folder, with its persisted index when one is beside it. A fresh index
    that records where its entries are stands in for reading the corpus: entries are read as they are used."""
    path = Path(path)
    if path.is_dir():
        entries, problems = load_demo_library_checked(path)
        return LoadedCorpus(entries, problems, None)
    lazy = open_lazy(path)
    if lazy is not None:
        return LoadedCorpus(lazy, lazy.problems(), lazy.corpus_index)
    entries, problems, lines = load_jsonl_located(path)
    return LoadedCorpus(entries, problems, corpus_index.persisted(path, entries, lines=lines, problems=problems))


def library_dir() -> Path:
    return paths.demo_library_dir()


def bundled_library() -> list[Entry]:
    return load_demo_library(_existing_library())


_shared: dict[tuple[str, str], tuple[tuple, Sequence[Entry], CorpusIndex]] = {}
_shared_lock = threading.Lock()


def _stamp(path: Path) -> tuple:
    """What tells a changed corpus from the one loaded: size and mtime of the file, or of every file of a
    library folder."""
    if path.is_file():
        st = path.stat()
        return (st.st_size, st.st_mtime_ns)
    found = []  # every sample of a run asks: one stat a file (os.walk), not pathlib's three
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue  # gone while we looked, or a broken link: not a file of the library
            if stat.S_ISREG(st.st_mode):
                found.append((os.path.join(folder, name), st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def _existing_library() -> Path:
    folder = library_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"no demo library at {folder}; set AIGCHIP_DEMOS_DIR to a library folder")
    return folder


def _load_shared(kind: str, path: Path) -> tuple[Sequence[Entry], CorpusIndex]:
    """The corpus at `path` and its index, loaded once per process and shared by every sample of a run
    (reloaded when the files change); loading and indexing a corpus per sample costs more than the model
    call's own overhead under the GIL."""
    key = (kind, str(path.resolve()))
    with _shared_lock:
        stamp = _stamp(path)
        hit = _shared.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1], hit[2]
        entries: Sequence[Entry]
        if kind == "library":
            entries, index = load_demo_library(path), None
        else:
            loaded = load_corpus(path)
            for problem in loaded.problems:
                print(f"aigchip: {problem}", file=sys.stderr)
            entries, index = loaded.entries, loaded.index
        index = index if index is not None else CorpusIndex.build(entries)
        _shared[key] = (stamp, entries, index)
        return entries, index


def corpus_for(config: RunConfig) -> tuple[Sequence[Entry], CorpusIndex]:
    """The demonstration entries a run uses (--corpus, else the bundled library) and their index (the
    persisted one beside the corpus, else built in memory), both loaded once per process. A corpus that does
    not exist yet (e.g. $AIGCHIP_CORPUS before --learn made it) falls back to the bundled library, saying so
    on stderr, as do the lines of a corpus that cannot be read (reported when it is first loaded)."""
    if config.corpus is not None and not config.corpus.exists():
        print(f"aigchip: no corpus at {config.corpus} yet; using the bundled demo library", file=sys.stderr)
    elif config.corpus is not None:
        return _load_shared("corpus", config.corpus)
    return _load_shared("library", _existing_library())


def pick_for(task: Task, config: RunConfig, entries: Sequence[Entry], index: CorpusIndex | None = None) -> list[Demo]:
    """Up to `config.demos` relevant demonstrations for `task` (see `select`), never the task itself, its
    reference or its solution."""
    if config.demos == 0 or not entries:
        return []
    known = [p.read_text(errors="replace") for p in (task.reference, *task.solution) if p is not None]
    return select(task.spec_text(), entries, k=config.demos, token_budget=config.demo_tokens,
                  exclude_ids={task.id}, exclude_texts=[task.spec_text(), *known], index=index,
                  min_score=config.demo_min_score, min_coverage=config.demo_min_coverage,
                  min_share_of_best=config.demo_min_share)
