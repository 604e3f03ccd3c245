"""`aigchip dataset export`: chat and alpaca formats, grain balance, split by design, decontamination."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from aigchip.corpus import export as exporter
from aigchip.corpus.importer import import_sources
from aigchip.corpus.schema import Entry, dump_jsonl
from aigchip.task import Task

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "corpus" / "mgverilog_sample.jsonl"


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return import_sources([SAMPLE], compile=False).entries


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_chat_examples_hold_description_header_and_code(tmp_path, entries):
    summary = exporter.export(entries, tmp_path, fmt="chat")
    rows, meta = read(tmp_path / "train.jsonl"), read(tmp_path / "train.meta.jsonl")
    assert len(rows) == len(meta) == 30 and summary["examples"] == {"train": 30, "val": 0}
    assert not (tmp_path / "val.jsonl").exists()
    by_id = {e.id: e for e in entries}
    for row, where in zip(rows, meta):
        assert set(row) == {"messages"} and [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        entry = by_id[where["id"]]
        user = row["messages"][1]["content"]
        assert user.startswith(entry.text_at(where["grain"])) and "\n\nModule header:\nmodule " in user
        assert user.rstrip().endswith(";") and row["messages"][2]["content"] == entry.code
    assert json.loads((tmp_path / "export.json").read_text())["examples"]["train"] == 30


def test_alpaca_examples(tmp_path, entries):
    exporter.export(entries, tmp_path, fmt="alpaca", grains=("detailed",))
    rows = read(tmp_path / "train.jsonl")
    assert len(rows) == 10 and all(set(r) == {"instruction", "input", "output"} for r in rows)
    assert all("Module header:" in r["input"] and r["output"].rstrip().endswith("endmodule") for r in rows)


def test_every_design_once_per_grain_and_missing_grains_counted(tmp_path, entries):
    lacking = entries[0].model_copy(update={"blocks": []})
    summary = exporter.export([lacking, *entries[1:]], tmp_path, val=0.3, seed=7)
    meta = read(tmp_path / "train.meta.jsonl") + read(tmp_path / "val.meta.jsonl")
    per_design = Counter(m["id"] for m in meta)
    assert set(per_design.values()) == {3} and len(per_design) == 9 and lacking.id not in per_design
    assert Counter(m["grain"] for m in meta) == {"high_level": 9, "detailed": 9, "block": 9}
    assert summary["missing_grain"] == 1 and summary["per_grain"] == {"high_level": 9, "detailed": 9, "block": 9}
    only_two = exporter.export([lacking, *entries[1:]], tmp_path / "two", grains=("high_level", "detailed"))
    assert only_two["missing_grain"] == 0 and only_two["examples"]["train"] == 20


def test_split_is_by_design_and_deterministic(tmp_path, entries):
    first = exporter.export(entries, tmp_path / "a", val=0.2, seed=3)
    train = {m["id"] for m in read(tmp_path / "a" / "train.meta.jsonl")}
    val = {m["id"] for m in read(tmp_path / "a" / "val.meta.jsonl")}
    assert not train & val and len(val) == 2 and len(train) == 8
    assert first["designs"] == {"train": 8, "val": 2} and first["examples"] == {"train": 24, "val": 6}
    exporter.export(entries, tmp_path / "b", val=0.2, seed=3)
    for name in ("train.jsonl", "val.jsonl"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()
    splits = {frozenset(exporter.split_by_design([e.id for e in entries], 0.2, seed)) for seed in range(6)}
    assert len(splits) > 1  # the seed matters


def test_decontamination_against_benchmark_files(tmp_path, entries):
    bench = tmp_path / "bench"
    (bench / "t1").mkdir(parents=True)
    counter = next(e for e in entries if e.top == "counter4")
    (bench / "t1" / "ref.v").write_text(counter.code.replace("counter4", "TopModule"))
    (bench / "t2.txt").write_text("Please implement this. " + next(e for e in entries if e.top == "pwm8").detailed)
    (bench / "t3.txt").write_text("An unrelated spec about a systolic array of int8 multiply accumulate cells.")
    summary = exporter.export(entries, tmp_path / "out", benches=[bench])
    assert summary["contaminated"] == 2 and summary["designs"]["train"] == 8
    assert {i.split("-")[0] for i in summary["contaminated_ids"]} == {"counter4", "pwm8"}
    assert summary["benchmark_texts_files"] == 3
    kept = {m["id"] for m in read(tmp_path / "out" / "train.meta.jsonl")}
    assert counter.id not in kept


def test_decontamination_through_the_benchmark_adapters(tmp_path, entries, monkeypatch):
    adapters = pytest.importorskip("aigchip.bench.adapters")
    solution = tmp_path / "sol.v"
    solution.write_text(next(e for e in entries if e.top == "mux4").code)
    tasks = [Task(id="t", top="TopModule", spec={"high_level": next(e for e in entries if e.top == "acc16").high_level},
                  solution=solution)]

    class Bench:
        def __init__(self) -> None:
            self.tasks = tasks

    monkeypatch.setattr(adapters, "load", lambda root, *a, **k: Bench())
    summary = exporter.export(entries, tmp_path / "out", benches=[tmp_path])
    assert summary["benchmark_texts_adapter"] == 2 and summary["contaminated"] == 2
    assert {i.split("-")[0] for i in summary["contaminated_ids"]} == {"mux4", "acc16"}


def test_bad_options_are_refused(tmp_path, entries):
    for options in ({"fmt": "sharegpt"}, {"val": 1.0}, {"grains": ("coarse",)}, {"grains": ()}):
        with pytest.raises(ValueError):
            exporter.export(entries, tmp_path, **options)


def test_cli_export(tmp_path, entries):
    corpus = tmp_path / "corpus.jsonl"
    dump_jsonl(entries, corpus)
    with corpus.open("a") as handle:
        handle.write("{broken\n")
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "task.txt").write_text(entries[0].detailed)
    args = ["dataset", "export", str(corpus), "--out", str(tmp_path / "out"), "--format", "alpaca", "--val", "0.2",
            "--grains", "high_level,block", "--decontaminate", str(bench), "--seed", "1", "--json"]
    result = subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=120,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["format"] == "alpaca" and summary["grains"] == ["high_level", "block"]
    assert summary["contaminated"] == 1 and summary["problems"] == 1 and summary["problem_kinds"] == {"malformed": 1}
    assert summary["designs"] == {"train": 7, "val": 2} and summary["examples"] == {"train": 14, "val": 4}
