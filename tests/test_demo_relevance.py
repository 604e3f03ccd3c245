"""Demonstrations only when they help: a spec no demo fits gets none (not the closest unrelated ones), a short
spec still gets its demo, the minimum is configurable, and the labelled set keeps its precision@3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aigchip.cli import build_app
from aigchip.config import load_config
from aigchip.corpus.index import CorpusIndex
from aigchip.corpus.schema import load_demo_library
from aigchip.demos import select
from aigchip.loopback import Loopback, Response

ROOT = Path(__file__).parent.parent
LABELLED = Path(__file__).parent / "fixtures" / "demo_relevance.jsonl"
XNOR = "Implement a 4-input XNOR gate."
WAVEFORM = next(json.loads(line)["spec"] for line in LABELLED.read_text().splitlines() if "waveforms" in line)


@pytest.fixture(scope="module")
def library():
    return load_demo_library(ROOT / "datasets" / "demos")


def aigchip(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AIGCHIP_DEMOS_DIR"}  # the bundled library
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


def test_a_spec_no_demo_fits_gets_none_rather_than_the_closest_unrelated_ones(library):
    for spec in (XNOR, WAVEFORM):
        assert select(spec, library) == []
        unfiltered = select(spec, library, min_score=0, min_share_of_best=0)
        assert len(unfiltered) == 3  # what was sent before: three demos that teach nothing about an XNOR


def test_a_short_spec_keeps_its_demo_on_coverage_and_weak_runners_up_are_dropped(library):
    demos = select("16-bit LFSR", library)
    assert [d.id for d in demos] == ["lfsr16_prbs"] and demos[0].score < 12  # short: it cannot score 12
    assert [d.id for d in select("16-bit LFSR", library, min_coverage=1.0)] == []
    fifo = select("a synchronous FIFO with full and empty flags", library)
    assert [d.id for d in fifo] == ["sync_fifo"]  # adder_tree4 (3.9) and hist4_u8 (3.0) no longer ride along


def test_a_corpus_too_small_to_grade_relevance_gets_no_minimum(library):
    """A --learn corpus starts with one entry: there, every word is as rare as any other, scores are tiny."""
    fifo = next(e for e in library if e.id == "sync_fifo")
    demos = select("a queue with flags that say when it is full or empty", [fifo])
    assert [d.id for d in demos] == ["sync_fifo"] and demos[0].score < 2


def test_the_labelled_set_keeps_its_precision_at_3(library):
    """103 specs of our own (VerilogEval, RTLLM and AccelBench styles), each labelled with the demos that would
    help it; 21 that no demo fits. benchmarks/bench_demo_relevance.py prints the same figures."""
    rows = [json.loads(line) for line in LABELLED.read_text().splitlines()]
    assert len(rows) >= 60 and sum(not r["relevant"] for r in rows) >= 15

    index = CorpusIndex.build(library)

    def figures(**rule):
        picked = [[d.id for d in select(r["spec"], library, index=index, **rule)] for r in rows]
        sent = sum(map(len, picked))
        relevant = sum(sum(i in r["relevant"] for i in p) for r, p in zip(rows, picked))
        first = sum(bool(p) and p[0] in r["relevant"] for r, p in zip(rows, picked) if r["relevant"])
        none = sum(not p for r, p in zip(rows, picked) if not r["relevant"])
        return relevant / sent, first, none

    before, first_before, none_before = figures(min_score=0, min_share_of_best=0)
    after, first_after, none_after = figures()
    assert before < 0.45 and none_before <= 1
    assert after >= 0.9 and first_after == first_before and none_after >= 18


def test_the_minimum_is_configurable_and_the_demos_command_says_why_it_sent_none():
    assert load_config({"demo_min_score": 3.5}, env={}).demo_min_score == 3.5
    assert load_config({}, env={"AIGCHIP_DEMO_MIN_SCORE": "20"}).demo_min_score == 20
    result = aigchip("demos", XNOR)
    assert result.returncode == 0, result.stderr
    assert "no demonstration is relevant enough: the closest, adder_tree4, scores 4.335, under the minimum 12" \
        in result.stdout
    report = json.loads(aigchip("demos", XNOR, "--json").stdout)
    assert report["demos"] == [] and report["closest"]["id"] == "adder_tree4" and report["min_score"] == 12
    lowered = json.loads(aigchip("demos", XNOR, "--json", "--min-score", "0", "--min-share", "0").stdout)
    assert [d["id"] for d in lowered["demos"]][:1] == ["adder_tree4"] and "closest" not in lowered


def test_the_prompt_for_an_unrelated_spec_carries_no_examples_unless_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("AIGCHIP_DEMOS_DIR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # the console lines unwrapped
    reply = "```verilog\nmodule top_module(input a, b, c, d, output y); assign y = ~(a ^ b ^ c ^ d); endmodule\n```"
    prompts = []
    for extra in ([], ["--demo-min-score", "0"]):
        with Loopback([Response.text(reply)], model="loop") as endpoint:
            result = CliRunner().invoke(build_app(), [
                "generate", XNOR, "--top", "top_module", "--model", "loop", "--base-url", endpoint.base_url,
                "--max-iters", "1", "--feedback", "none", "--no-cache", "--json", "--out",
                str(tmp_path / f"run{len(prompts)}"), *extra])
            prompts.append(endpoint.completions()[0].body["messages"][-1]["content"])
        summary = json.loads(result.stdout)
        assert [d["id"] for d in summary["demos"]] == ([] if not extra else ["adder_tree4", "unpack_32to8"])
        with Loopback([Response.text(reply)], model="loop") as endpoint:
            shown = CliRunner().invoke(build_app(), [
                "generate", XNOR, "--top", "top_module", "--model", "loop", "--base-url", endpoint.base_url,
                "--max-iters", "1", "--feedback", "none", "--no-cache", *extra]).output
        assert ("demonstrations: adder_tree4 (4.3), unpack_32to8 (3.3)" if extra else
                "demonstrations: none relevant enough to send (aigchip demos SPEC shows the closest)") in shown
    assert "### Example" not in prompts[0] and "Implement a 4-input XNOR gate." in prompts[0]
    assert "### Example 1: `adder_tree4`" in prompts[1] and "### Example 2: `unpack_32to8`" in prompts[1]
    assert len(prompts[0]) * 3 < len(prompts[1])  # the tokens unrelated demos cost
