"""A corpus read through its fresh index: the same demonstrations as loading it whole, only the entries a
selection reaches are read, and an edited corpus is noticed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip import demos
from aigchip.corpus import index as corpus_index
from aigchip.corpus.index import CorpusIndex
from aigchip.corpus.lazy import CorpusChanged, LazyEntries, open_lazy
from aigchip.corpus.schema import Block, Entry, dump_jsonl, load_jsonl, load_jsonl_located

ROOT = Path(__file__).parent.parent
WORDS = ("fifo counter adder multiplier accumulator saturating pointer full empty flag arbiter round robin "
         "grant request shift register lfsr parity crc uart baud serial parallel pipeline stage valid ready "
         "handshake systolic array weight activation relu pooling max signed unsigned overflow carry gray "
         "binary decoder encoder priority mux select bank memory read write address clock reset enable").split()


@pytest.fixture(scope="module")
def library() -> list[Entry]:
    return demos.bundled_library()


def synthetic(count: int, seed: int = 3) -> list[Entry]:
    rng = random.Random(seed)
    text = lambda low, high: " ".join(rng.choices(WORDS, k=rng.randint(low, high)))  # noqa: E731
    found = []
    for i in range(count):
        code = f"module syn_{i}(input clk, output y);\n  assign y = 1'b{i % 2};\nendmodule\n"
        found.append(Entry(id=f"syn_{i}", top=f"syn_{i}", code=code, high_level=text(5, 12) + ".",
                           detailed=text(20, 60) + ".", tags=text(2, 2).split(),
                           blocks=[Block(code=code, summary=text(5, 15))] if i % 3 else []))
    rng.shuffle(found)  # the file's order is not the index's (id) order
    return found


def indexed(tmp_path: Path, entries: list[Entry], name: str = "corpus.jsonl") -> Path:
    path = tmp_path / name
    dump_jsonl(entries, path)
    found, problems, lines = load_jsonl_located(path)
    corpus_index.write_index(path, found, lines=lines, problems=problems)
    return path


def specs_of(entries: list[Entry]) -> list[str]:
    specs = [e.high_level for e in entries[:25]] + [e.detailed for e in entries[25:45]]
    return specs + ["Block 1: a round robin arbiter.\nBlock 2: a fifo with full and empty flags.",
                    "a saturating int8 multiply accumulate", "nothing here matches zebra"]


def assert_same_picks(path: Path, entries: list[Entry]) -> LazyEntries:
    loaded = demos.load_corpus(path)
    assert isinstance(loaded.entries, LazyEntries) and loaded.index is loaded.entries.corpus_index
    eager = CorpusIndex.build(entries)
    picked = 0
    for spec in specs_of(entries):
        for options in ({}, {"min_score": 0, "min_share_of_best": 0, "k": 5}, {"token_budget": 200}):
            lazy = demos.select(spec, loaded.entries, index=loaded.index, exclude_texts=[spec], **options)
            whole = demos.select(spec, entries, index=eager, exclude_texts=[spec], **options)
            assert lazy == whole
            picked += len(lazy)
    assert picked > 0
    return loaded.entries


def test_lazy_corpus_picks_what_the_whole_corpus_picks_on_the_bundled_library(tmp_path, library):
    lazy = assert_same_picks(indexed(tmp_path, library), library)
    assert lazy._all is None  # never read whole


def test_lazy_corpus_picks_what_the_whole_corpus_picks_on_a_synthetic_corpus(tmp_path):
    entries = synthetic(600)
    path = indexed(tmp_path, entries)
    lazy = assert_same_picks(path, entries)
    assert lazy._all is None
    once = demos.load_corpus(path)
    assert demos.select(entries[0].high_level, once.entries, index=once.index)
    assert 0 < len(once.entries._read) <= 10  # only what the selection reached was read
    assert list(lazy) == entries and len(lazy) == len(entries) and lazy[0] == entries[0]  # in the file's order, read whole once asked for all


def test_skipped_lines_are_reported_as_when_loaded_whole(tmp_path, library):
    path = indexed(tmp_path, library[:6])
    lines = path.read_text().splitlines(keepends=True)
    bad = ["{not json\n", lines[1], json.dumps({"id": "x", "top": "x", "code": "module x; endmodule"}) + "\n"]
    path.write_text("".join(lines[:3] + bad + lines[3:]))
    _, problems, located = load_jsonl_located(path)
    corpus_index.write_index(path, load_jsonl(path)[0], lines=located, problems=problems)
    loaded = demos.load_corpus(path)
    assert isinstance(loaded.entries, LazyEntries)
    assert [p.render() for p in loaded.problems] == [p.render() for p in load_jsonl(path)[1]]
    assert [p.kind for p in loaded.problems] == ["malformed", "duplicate_id", "no_description"]
    assert list(loaded.entries) == load_jsonl(path)[0]


def test_an_edited_corpus_is_noticed_and_read_whole_once(tmp_path, library):
    path = indexed(tmp_path, library)
    fifo = next(e for e in library if e.id == "sync_fifo")
    edited = [e.model_copy(update={"high_level": "A zebra crossing light controller."}) if e.id == "sync_fifo"
              else e for e in library]
    dump_jsonl(edited, path)
    assert open_lazy(path) is None  # the index is stale
    loaded = demos.load_corpus(path)  # read whole; the index is rebuilt beside it
    assert not isinstance(loaded.entries, LazyEntries)
    assert demos.select("a zebra crossing light controller", loaded.entries, index=loaded.index, min_score=0)[0].id == "sync_fifo"
    again = demos.load_corpus(path)
    assert isinstance(again.entries, LazyEntries)  # lazy from then on, with the edit
    assert demos.select("a zebra crossing light controller", again.entries, index=again.index,
                        min_score=0)[0].description == "A zebra crossing light controller."
    assert fifo.high_level not in [d.description for d in demos.select(fifo.high_level, again.entries, index=again.index)]


def test_same_size_edit_is_noticed(tmp_path, library):
    path = indexed(tmp_path, library)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"full and empty", b"FULL and EMPTY", 1))
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    assert path.stat().st_size == len(data) and open_lazy(path) is None  # same size, new content: the sha256 differs


def test_a_corpus_rewritten_in_place_while_in_use_is_reported(tmp_path, library):
    path = indexed(tmp_path, library)
    loaded = demos.load_corpus(path)
    assert isinstance(loaded.entries, LazyEntries)
    with path.open("r+b") as handle:  # a line put first, the others moved down, in the same file
        data = handle.read()
        handle.seek(0)
        handle.write(b'{"id": "new"}\n' + data)
    with pytest.raises(CorpusChanged, match="changed while it was in use"):
        demos.select("a synchronous FIFO with full and empty flags", loaded.entries, index=loaded.index)


def test_a_corpus_replaced_while_in_use_is_read_as_it_was_checked(tmp_path, library):
    path = indexed(tmp_path, library)
    loaded = demos.load_corpus(path)
    dump_jsonl(list(reversed(library)), path)  # a new file in its place (atomic rename)
    spec = "a synchronous FIFO with full and empty flags"
    assert demos.select(spec, loaded.entries, index=loaded.index) == demos.select(spec, library)
    assert list(loaded.entries) == library


def test_an_index_without_line_offsets_is_rebuilt_with_them(tmp_path, library):
    path = tmp_path / "corpus.jsonl"
    dump_jsonl(library, path)
    corpus_index.write_index(path, library)  # no offsets: e.g. written by another caller
    assert open_lazy(path) is None
    assert not isinstance(demos.load_corpus(path).entries, LazyEntries)
    assert isinstance(demos.load_corpus(path).entries, LazyEntries)
    state = json.loads(corpus_index.index_path(path).read_text())
    state["version"] = 3  # an index from before offsets were kept
    corpus_index.index_path(path).write_text(json.dumps(state))
    assert open_lazy(path) is None and demos.load_corpus(path).index is not None
    assert isinstance(demos.load_corpus(path).entries, LazyEntries)


def test_cli_demos_through_the_index_prints_what_the_whole_corpus_gives(tmp_path):
    entries = synthetic(300, seed=11)
    path = tmp_path / "corpus.jsonl"
    dump_jsonl(entries, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True,  # noqa: E731
                                       text=True, timeout=120, cwd=ROOT, env=env)
    spec = entries[7].detailed
    whole = run("demos", spec, "--corpus", str(path), "--json", "--min-score", "0", "--grain", "detailed")  # read whole
    assert run("dataset", "index", str(path)).returncode == 0
    assert isinstance(demos.load_corpus(path).entries, LazyEntries)
    lazy = run("demos", spec, "--corpus", str(path), "--json", "--min-score", "0", "--grain", "detailed")
    assert whole.returncode == lazy.returncode == 0, whole.stderr + lazy.stderr
    assert json.loads(lazy.stdout) == json.loads(whole.stdout) and json.loads(lazy.stdout)["demos"][0]["id"] == entries[7].id


def test_a_run_picks_through_the_lazy_corpus_as_through_the_whole_one(tmp_path, library):
    from aigchip.config import RunConfig
    from aigchip.task import from_text

    path = indexed(tmp_path, library)
    config = RunConfig(corpus=path, demos=3)
    entries, index = demos.corpus_for(config)
    assert isinstance(entries, LazyEntries) and demos.corpus_for(config)[0] is entries  # once per process
    fifo, picked = next(e for e in library if e.id == "sync_fifo"), []
    for spec, task_id in ((fifo.detailed, "sync_fifo"), ("an int8 multiply accumulate that saturates", "mine"),
                          ("Block 1: read and write pointers.\nBlock 2: full and empty flags.", "x")):
        task = from_text(spec, top="dut", task_id=task_id)
        lazy = demos.pick_for(task, config, entries, index)
        assert lazy == demos.pick_for(task, config, library, CorpusIndex.build(library))
        assert "sync_fifo" not in [d.id for d in lazy] or task_id != "sync_fifo"
        picked += [d.id for d in lazy]
    assert picked and entries._all is None
