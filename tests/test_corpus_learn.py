"""`aigchip generate --learn`: designs that pass go into the user's corpus and come back as demonstrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip import demos
from aigchip.config import RunConfig
from aigchip.corpus.learn import default_corpus, learn
from aigchip.corpus.schema import load_jsonl
from aigchip.generate import generate
from aigchip.models.local import ScriptedModel
from aigchip.models import ModelError
from aigchip.task import from_text

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "datasets" / "examples" / "mac8"
GOOD = (EXAMPLE / "mac8.v").read_text()
SPEC = ("A signed int8 multiply-accumulate unit `mac8` with a saturating signed 16-bit accumulator `acc`. "
        "It has a synchronous active-high reset `rst`, enable `en`, and a sticky saturation flag `sat`.")
ANNOTATIONS = ["\n".join(f"block_{k}: part {k} of the MAC." for k in range(20)),
               "Module mac8 multiplies two signed bytes and adds the product to a saturating accumulator.",
               "A saturating int8 multiply-accumulate unit."]


def test_without_a_writing_model_the_spec_describes_the_design(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    learned = learn(GOOD, "mac8", SPEC, corpus, model=None, simulated=True)
    assert learned.added and learned.descriptions == "spec" and learned.tokens == 0
    (entry,), problems = load_jsonl(corpus)
    assert problems == [] and entry.id == learned.id and entry.top == "mac8"
    assert entry.detailed == SPEC and entry.high_level == SPEC.split(". ")[0] + "." and entry.blocks == []
    assert entry.spec == SPEC and entry.tags == ["learned"] and entry.checks.simulates is True
    again = learn(GOOD, "mac8", "another spec", corpus)
    assert not again.added and "already" in again.message and len(load_jsonl(corpus)[0]) == 1


def test_a_writing_model_describes_it_at_three_grains(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    model = ScriptedModel(ANNOTATIONS)
    learned = learn(GOOD, "mac8", SPEC, corpus, model=model)
    assert learned.descriptions == "model" and len(model.requests) == 3
    (entry,), _ = load_jsonl(corpus)
    assert entry.high_level == ANNOTATIONS[2] and entry.detailed == ANNOTATIONS[1] and entry.spec == SPEC
    assert entry.blocks and "".join(b.code for b in entry.blocks) == entry.code
    assert entry.grains() == ["high_level", "detailed", "block"]


def test_a_failing_model_falls_back_to_the_spec(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "other", "top": "x", "code": "module x; endmodule", "high_level": "x"}')  # no newline
    learned = learn(GOOD, "mac8", SPEC, corpus, model=ScriptedModel([ModelError("unreachable", "down")]))
    assert learned.added and learned.descriptions == "spec" and "down" in learned.message
    entries, problems = load_jsonl(corpus)
    assert problems == [] and [e.id for e in entries] == ["other", learned.id]


def test_default_corpus(monkeypatch, tmp_path):
    monkeypatch.setenv("AIGCHIP_CORPUS", str(tmp_path / "mine.jsonl"))
    assert default_corpus() == tmp_path / "mine.jsonl"
    monkeypatch.delenv("AIGCHIP_CORPUS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_corpus() == tmp_path / "data" / "aigchip" / "corpus.jsonl"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_corpus() == Path.home() / ".local" / "share" / "aigchip" / "corpus.jsonl"


def config(**overrides) -> RunConfig:
    return RunConfig(**{"model": "scripted", "demos": 0, "max_iters": 2, "lint": False, "cache": False} | overrides)


@pytest.mark.sim
def test_generate_learns_a_passing_design_and_later_runs_pick_it(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    task = from_text(SPEC, top="mac8", testbench=(EXAMPLE / "tb_mac8.v",))
    model = ScriptedModel([f"```verilog\n{GOOD}\n```", *ANNOTATIONS])
    _, _, summary = generate(task, config(), out_dir=tmp_path / "run", model=model, learn=corpus)
    assert summary["status"] == "pass" and summary["learned"]["added"] and summary["learned"]["descriptions"] == "model"
    loaded = demos.load_corpus(corpus)
    picked = demos.select("a saturating int8 multiply accumulate", loaded.entries, k=1)
    assert picked and picked[0].id == summary["learned"]["id"]
    failing = ScriptedModel(["no code here", "still none"])
    _, _, summary = generate(task, config(), out_dir=tmp_path / "run2", model=failing, learn=corpus)
    assert summary["status"] != "pass" and "learned" not in summary and len(load_jsonl(corpus)[0]) == 1


@pytest.mark.sim
def test_cli_generate_offline_learns_into_the_default_corpus_and_uses_it_next_time(tmp_path):
    corpus = tmp_path / "user" / "corpus.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIGCHIP_MODEL")}
    env |= {"AIGCHIP_CORPUS": str(corpus), "PYTHONPATH": str(ROOT)}  # where demos come from, and --learn goes
    spec = "A synchronous FIFO with full and empty flags. It holds eight entries."
    run = lambda text: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "aigchip.cli", "generate", text, "--top", "fifo", "--model", "offline", "--json",
         "--learn"], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    first = run(spec)
    assert first.returncode == 0, first.stderr
    assert f"no corpus at {corpus} yet" in first.stderr
    learned = json.loads(first.stdout)["learned"]
    assert learned["added"] and learned["corpus"] == str(corpus) and learned["descriptions"] == "spec"
    (entry,), _ = load_jsonl(corpus)
    assert entry.top == "fifo" and entry.detailed == spec
    assert entry.high_level == "A synchronous FIFO with full and empty flags."
    second = run("a queue with flags that say when it is full or empty")  # (the same spec would be excluded)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert [d["id"] for d in summary["demos"]] == [entry.id]
    assert not summary["learned"]["added"] and len(load_jsonl(corpus)[0]) == 1
