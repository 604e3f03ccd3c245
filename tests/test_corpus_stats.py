"""`aigchip dataset stats`: the JSON contract (entries, grains) and what else it reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aigchip.corpus.importer import import_sources
from aigchip.corpus.schema import Block, Checks, Entry, dump_jsonl, load_jsonl
from aigchip.corpus.stats import render, stats

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "corpus" / "mgverilog_sample.jsonl"


def aigchip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def mixed_corpus(path: Path) -> None:
    code = "module m(input a, output y);\n  assign y = a;\nendmodule\n"
    entries = [
        Entry(id="a", top="m", code=code, high_level="h", detailed="d", blocks=[Block(code=code, summary="s")],
              source="x", tags=["fifo", "int8"], checks=Checks(compiles=True, simulates=True, tests="a/test_m.py")),
        Entry(id="b", top="m", code=code, high_level="h", source="x", tags=["fifo"], checks=Checks(compiles=True)),
        Entry(id="c", top="m", code=code, detailed="d", source="y", spec="a user's spec"),
    ]
    dump_jsonl(entries, path)
    with path.open("ab") as handle:
        handle.write(b'{"id": "a", "top": "m", "code": "x", "high_level": "dup"}\n{oops\n\xff\xfe\n')


def test_stats_counts(tmp_path):
    corpus = tmp_path / "c.jsonl"
    mixed_corpus(corpus)
    entries, problems = load_jsonl(corpus)
    found = stats(entries, problems, corpus=corpus)
    assert found["entries"] == 3 and found["grains"] == {"high_level": 2, "detailed": 2, "block": 1}
    assert found["all_grains"] == 1 and found["blocks"] == 1
    assert found["sources"] == {"x": 2, "y": 1} and found["tags"] == {"fifo": 2, "int8": 1}
    assert (found["compiled"], found["simulated"], found["with_tests"], found["with_spec"]) == (2, 1, 1, 1)
    assert found["problems"] == 3 and found["problem_kinds"] == {"duplicate_id": 1, "malformed": 1, "not_utf8": 1}
    assert found["code_lines"] == {"total": 9, "mean": 3.0, "max": 3} and found["index"] == "none"
    text = "\n".join(render(found))
    assert "3 entries" in text and "block 1" in text and "3 lines skipped" in text


def test_cli_stats_json_contract(tmp_path):
    corpus = tmp_path / "c.jsonl"
    dump_jsonl(import_sources([SAMPLE], compile=False).entries, corpus)
    result = aigchip("dataset", "stats", str(corpus), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert report["entries"] == 10
    assert report["grains"] == {"high_level": 10, "detailed": 10, "block": 10}
    assert isinstance(report["sources"], dict) and report["problems"] == 0
    readable = aigchip("dataset", "stats", str(corpus))
    assert readable.returncode == 0 and readable.stdout.startswith("10 entries")


def test_cli_stats_of_the_demo_library_and_bad_lines(tmp_path):
    library = aigchip("dataset", "stats", str(ROOT / "datasets" / "demos"), "--json")
    assert library.returncode == 0
    report = json.loads(library.stdout)
    assert report["entries"] >= 12 and report["grains"]["block"] == report["entries"]
    assert report["with_tests"] == report["entries"] and "index" not in report
    corpus = tmp_path / "c.jsonl"
    mixed_corpus(corpus)
    result = aigchip("dataset", "stats", str(corpus))
    assert result.returncode == 0 and f"{corpus}:5: not valid JSON" in result.stderr
    assert aigchip("dataset", "stats", str(tmp_path / "missing.jsonl")).returncode == 2
