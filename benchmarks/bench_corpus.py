"""Corpus retrieval quality and speed, and build throughput.

    python benchmarks/bench_corpus.py [--entries 10000] [--modules 40]

1. Cross-grain retrieval: query with an entry's high-level summary; is that entry in the top 5 when
   searching each grain's documents (recall@5)? On the bundled demo library, on the MG-Verilog-format
   sample imported from tests/fixtures/corpus, on both together, and on both among 2,000 synthetic
   distractors. Goal: >= 0.9.
2. Query latency on a synthetic corpus of 10,000 entries through the persisted index: index build (reading
   the corpus included), save, load (lazy: the index alone, entries read as a selection reaches them), and
   per-query time of CorpusIndex.query and of demos.select (what a prompt pays). Goal: < 20 ms.
   Words follow Zipf's law over 5,000 words, as text does; the worst case draws them uniformly from 300
   (every query word then sits in thousands of documents).
3. Build throughput: `dataset build` over a generated tree of small distinct modules with an instant
   scripted model, so the time is aigchip's own (splitting, MinHash, iverilog compile checks, prompts).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigchip import demos  # noqa: E402
from aigchip.corpus import index as corpus_index  # noqa: E402
from aigchip.corpus.build import BuildOptions, build  # noqa: E402
from aigchip.corpus.importer import import_sources  # noqa: E402
from aigchip.corpus.lazy import LazyEntries  # noqa: E402
from aigchip.corpus.schema import GRAINS, Block, Entry, dump_jsonl, load_jsonl_located  # noqa: E402
from aigchip.models import Reply, Usage  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "corpus" / "mgverilog_sample.jsonl"
VOCABULARY = (
    "adder subtractor multiplier divider accumulator counter timer register shift rotate barrel comparator "
    "encoder decoder priority arbiter round robin fifo queue stack buffer cache memory bank port read write "
    "address data valid ready handshake pipeline stage latency throughput clock reset synchronous asynchronous "
    "enable clear load store signed unsigned saturating wrapping overflow underflow carry borrow parity crc "
    "checksum hash lfsr random gray binary bcd seven segment display uart spi i2c serial parallel baud bit "
    "byte word nibble lane vector matrix systolic array element processing weight activation relu pooling "
    "max min average convolution filter tap coefficient fixed point floating rounding truncation quantize "
    "dequantize scale bias normalization softmax exponent mantissa leading zero count population mux demux "
    "select routing crossbar network switch packet header payload state machine controller sequencer start "
    "busy done interrupt status flag full empty almost threshold watermark pointer increment decrement wrap "
    "dual single clocked combinational registered latched edge rising falling detector debouncer pulse "
    "stretcher divider frequency phase pwm duty cycle sine cosine cordic angle magnitude square root").split()


class InstantModel:
    """Annotations computed from the prompt at once: the build's own time, no model time."""

    name, kind = "instant", "scripted"

    def complete(self, messages, *, n=1, sample_index=0):
        text = messages[-1]["content"]
        top = re.search(r"module `(\w+)`", text).group(1)
        if "<summary>" in text:
            reply = "\n".join(f"block_{k}: {top} part {k}." for k in re.findall(r"^block_(\d+): <summary>", text, re.M))
        elif "Write a detailed description" in text:
            reply = f"The module {top} in detail."
        else:
            reply = f"A {top}."
        return [Reply(text=reply, usage=Usage(prompt_tokens=len(text) // 4, completion_tokens=len(reply) // 4),
                      model=self.name, kind=self.kind, llm=False)]


def vocabulary(size: int, seed: int = 5) -> list[str]:
    """`size` distinct words: the hardware words, then pairs of them run together ("fifopointer")."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(VOCABULARY))
    while len(words) < size:
        words.append(rng.choice(VOCABULARY) + rng.choice(VOCABULARY))
        words = list(dict.fromkeys(words))
    rng.shuffle(words)
    return words[:size]


class Sampler:
    """Words drawn uniformly, or with Zipf's law (weight 1 / rank) as in real text."""

    def __init__(self, words: list[str], zipf: bool, seed: int) -> None:
        self.words, self.rng = words, random.Random(seed)
        self.weights = [1 / (rank + 1) for rank in range(len(words))] if zipf else None

    def text(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return " ".join(self.rng.choices(self.words, weights=self.weights, k=count))


def synthetic_entries(count: int, seed: int = 1, *, zipf: bool = True) -> list[Entry]:
    words = Sampler(vocabulary(5000) if zipf else list(dict.fromkeys(VOCABULARY)), zipf, seed)
    entries = []
    for i in range(count):
        top = f"syn_{i}"
        code = f"module {top}(input clk, input [7:0] a, output [7:0] y);\n  assign y = a + 8'd{i % 256};\nendmodule\n"
        entries.append(Entry(id=top, top=top, code=code, high_level=words.text(8, 20) + ".",
                             detailed=words.text(50, 110) + ".", tags=words.text(3, 3).split(),
                             blocks=[Block(code=code, summary=words.text(10, 25))]))
    return entries


# ---- 1. cross-grain recall ----

def recall_at_5(entries: list[Entry], distractors: list[Entry] = ()) -> dict:
    index = corpus_index.CorpusIndex.build(entries + list(distractors))
    found = {}
    for grain in GRAINS:
        hits = sum(any(h.entry_id == e.id for h in index.query(grain, e.high_level, k=5)) for e in entries)
        found[f"high_level->{grain}"] = round(hits / len(entries), 3)
    return {"queries": len(entries), "pool": len(index), **found}


def cross_grain() -> dict:
    library = demos.bundled_library()
    sample = import_sources([SAMPLE], compile=False).entries
    distractors = synthetic_entries(2000, seed=7, zipf=False)  # hardware words only: harder distractors
    return {"demo_library": recall_at_5(library), "mgverilog_sample": recall_at_5(sample),
            "both": recall_at_5(library + sample),
            "both_among_2000_synthetic": recall_at_5(library + sample, distractors)}


# ---- 2. latency ----

def _times_ms(calls) -> dict:
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "max_ms": round(times[-1], 2)}


def latency(count: int, *, zipf: bool = True) -> dict:
    entries = synthetic_entries(count, zipf=zipf)
    words = Sampler(vocabulary(5000) if zipf else list(dict.fromkeys(VOCABULARY)), zipf, seed=3)
    queries = [words.text(6, 40) for _ in range(200)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        dump_jsonl(entries, corpus)
        started = time.perf_counter()
        located, problems, lines = load_jsonl_located(corpus)
        index = corpus_index.build_for(corpus, located, lines=lines, problems=problems)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        path = corpus_index.save(index, corpus_index.index_path(corpus))
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded = demos.load_corpus(corpus)
        load_s = time.perf_counter() - started
        assert loaded.index is not None and loaded.index.loaded_from == path
        assert isinstance(loaded.entries, LazyEntries)  # ranked from the index, entries read as reached
        per_grain = {g: _times_ms([lambda q=q, g=g: loaded.index.query(g, q, k=5) for q in queries]) for g in GRAINS}
        select = _times_ms([lambda q=q: demos.select(q, loaded.entries, k=3, index=loaded.index,
                                                    exclude_texts=[q]) for q in queries])
        unindexed = _times_ms([lambda q=q: demos.select(q, loaded.entries, k=3) for q in queries[:3]])
        return {"entries": count, "words": "zipf over 5000" if zipf else f"uniform over {len(words.words)}",
                "index_build_s": round(build_s, 2), "index_save_s": round(save_s, 2),
                "index_bytes": path.stat().st_size, "load_corpus_with_index_s": round(load_s, 3),
                "query_by_grain": per_grain, "demos_select_with_index": select,
                "demos_select_building_the_index_each_call": unindexed}


# ---- 3. build throughput ----

def synthetic_tree(folder: Path, count: int) -> None:
    operations = ["a + b", "a - b", "a & b", "a | b", "a ^ b", "~(a & b)", "(a > b) ? a : b", "(a < b) ? a : b"]
    for i in range(count):
        op = operations[i % len(operations)]
        lines = [f"// generated module {i}", f"module gen_{i} #(parameter W = {4 + i % 13}) (",
                 "  input  wire clk,", "  input  wire rst,", "  input  wire [W-1:0] a,", "  input  wire [W-1:0] b,",
                 "  output reg  [W-1:0] y", ");"]
        lines += [f"  wire [W-1:0] t{k} = ({op}) + {k * (i + 1)};" for k in range(1 + i % 7)]
        lines += ["  always @(posedge clk) begin", "    if (rst) y <= {W{1'b0}};",
                  f"    else y <= t{i % 7 if i % 7 < 1 + i % 7 else 0};", "  end", "endmodule", ""]
        (folder / f"gen_{i}.v").write_text("\n".join(lines))


def throughput(count: int) -> dict:
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        synthetic_tree(tree, count)
        for concurrency in (1, 4):
            out = Path(tmp) / f"out{concurrency}.jsonl"
            started = time.perf_counter()
            result = build([tree], out, InstantModel(), BuildOptions(concurrency=concurrency, jobs=4))
            elapsed = time.perf_counter() - started
            found[f"concurrency_{concurrency}"] = {
                "modules": count, "annotated": len(result.written), "near_duplicates": result.tally.counts.get(
                    "modules", 0) - len(result.written), "seconds": round(elapsed, 2),
                "modules_per_s": round(count / elapsed, 1), "model_calls": result.annotator.calls}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--modules", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps({"cross_grain_recall_at_5": cross_grain(), "latency": latency(args.entries),
                      "latency_worst_case": latency(args.entries, zipf=False),
                      "build_throughput": throughput(args.modules)}, indent=1))


if __name__ == "__main__":
    main()
