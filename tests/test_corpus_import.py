"""`aigchip dataset import`: MG-Verilog rows (JSONL, parquet, save_to_disk Arrow), corpus lines, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.corpus import mgverilog, sources
from aigchip.corpus.importer import import_sources, run_import
from aigchip.corpus.report import MissingExtra
from aigchip.corpus.schema import load_jsonl

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
SAMPLE = FIXTURES / "mgverilog_sample.jsonl"
BAD = FIXTURES / "mgverilog_bad.jsonl"
TREE = FIXTURES / "tree"
ROOT = Path(__file__).parent.parent
WRAPPER_WORDS = ("[INST]", "<<SYS>>", "<</SYS>>", "<s>", "Module header", "Implement the Verilog module",
                 "block_0", "Assume that signals")


def sample_rows() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text().splitlines()]


def aigchip(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


# ---- one row ----

def test_unwrap_strips_the_llama2_prompt_and_keeps_the_header():
    row = sample_rows()[1]
    text, header = mgverilog.unwrap(row["description"]["high_level_global_summary"])
    assert text == "A four-bit up counter with synchronous reset and a count enable."
    assert header == "module counter4 (input clk, input rst, input en, output reg [3:0] count);"
    blocks, _ = mgverilog.unwrap(row["description"]["block_summary"])
    assert mgverilog.block_summaries(blocks) == [
        "A clocked always block that resets count to zero when rst is asserted.",
        "Otherwise, when enable is high, the count register increments by one and wraps around."]


def test_block_lines_may_run_over_several_lines_and_come_out_of_order():
    text = "block_1: second\nblock_0: first part\n  continued here\nBlock 2: third"
    assert mgverilog.block_summaries(text) == ["first part continued here", "second", "third"]


def test_row_becomes_a_full_module_with_aligned_blocks():
    for row in sample_rows():
        entry = mgverilog.row_to_entry(row)
        assert entry.code.startswith(f"module {entry.top}") and entry.code.rstrip().endswith("endmodule")
        assert row["code"].strip() in entry.code  # the body, verbatim after the header
        assert "".join(b.code for b in entry.blocks) == entry.code
        summaries = mgverilog.block_summaries(mgverilog.unwrap(row["description"]["block_summary"])[0])
        assert [b.summary for b in entry.blocks] == summaries
        for text in (entry.high_level, entry.detailed, *[b.summary for b in entry.blocks]):
            assert text and not any(word in text for word in WRAPPER_WORDS), text
        assert entry.grains() == ["high_level", "detailed", "block"]


def test_more_summaries_than_lines_join_the_last_block():
    row = sample_rows()[6]  # bin2gray: two lines of code
    description = dict(row["description"])
    extra = "".join(f"block_{i}: part {i}\n" for i in range(5))
    description["block_summary"] = description["block_summary"].replace("block_0:", extra + "block_9:")
    entry = mgverilog.row_to_entry({**row, "description": description})
    assert 1 <= len(entry.blocks) <= 3 and "".join(b.code for b in entry.blocks) == entry.code
    assert entry.blocks[-1].summary.endswith("by one bit.")


def test_rows_without_header_code_or_descriptions_are_refused():
    row = sample_rows()[0]
    with pytest.raises(mgverilog.RowError, match="code"):
        mgverilog.row_to_entry({**row, "code": ""})
    with pytest.raises(mgverilog.RowError, match="description"):
        mgverilog.row_to_entry({"code": row["code"], "description": 7})
    header = mgverilog.unwrap(row["description"]["detailed_global_summary"])[1]
    empty = dict.fromkeys(mgverilog.GLOBAL_KEYS.values(), f"<s>[INST] <<SYS>> only code <</SYS>>\n\n Module header:\n\n{header}\n [/INST]")
    with pytest.raises(mgverilog.RowError) as caught:
        mgverilog.row_to_entry({**row, "description": empty})
    assert caught.value.kind == "no_description"


# ---- files ----

def test_import_jsonl_without_compiling():
    result = import_sources([SAMPLE], compile=False)
    assert len(result.entries) == 10 and result.tally.problems == []
    assert all(e.source == "MG-Verilog" and e.checks.compiles is None for e in result.entries)
    assert len({e.id for e in result.entries}) == 10


@pytest.mark.sim
def test_import_compiles_every_entry_and_writes_a_loadable_corpus(tmp_path):
    out = tmp_path / "corpus.jsonl"
    result = run_import([SAMPLE], out, jobs=4)
    assert len(result.entries) == 10 and all(e.checks.compiles for e in result.entries)
    loaded, problems = load_jsonl(out)
    assert loaded == result.entries and problems == []


@pytest.mark.sim
def test_bad_rows_are_named_with_file_and_line_and_counted():
    result = import_sources([BAD], jobs=2)
    assert [e.top for e in result.entries] == ["half_adder", "shift_reg8"]
    by_line = {p.line: p for p in result.tally.problems}
    assert all(p.file == str(BAD) for p in result.tally.problems)
    expected = {2: "malformed", 3: "does_not_compile", 4: "no_description", 5: "duplicate_id", 6: "not_utf8",
                8: "malformed", 9: "malformed"}
    assert {line: p.kind for line, p in by_line.items()} == expected
    assert "counter4 does not compile" in by_line[3].message and "line 2" in by_line[3].message
    assert "first at" in by_line[5].message and "Module header" in by_line[8].message
    summary = result.summary()
    assert summary["problems"] == 7 and summary["problem_kinds"]["malformed"] == 3
    assert summary["entries"] == 2 and summary["compiled"] == 2


def test_corpus_lines_are_imported_as_they_are(tmp_path):
    first = import_sources([SAMPLE], compile=False).entries[:3]
    corpus = tmp_path / "mine.jsonl"
    corpus.write_text("".join(e.model_dump_json() + "\n" for e in first))
    again = import_sources([corpus, SAMPLE], compile=False)
    assert again.entries[:3] == first and len(again.entries) == 10
    assert again.tally.problem_kinds() == {"duplicate_id": 3}


def test_verilog_trees_are_sent_to_dataset_build():
    result = import_sources([TREE], compile=False)
    assert result.entries == []
    kinds = result.tally.problem_kinds()
    assert kinds["needs_annotation"] == 5 and kinds["not_verilog"] == 1 and kinds["not_utf8"] == 1
    alu = next(p for p in result.tally.problems if p.file.endswith("alu.v"))
    assert "2 module(s) (alu4, adder4)" in alu.message and "aigchip dataset build" in alu.message
    latin = next(p for p in result.tally.problems if p.kind == "not_utf8")
    assert latin.file.endswith("latin1.v") and latin.line == 1


def test_unknown_inputs_are_problems(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = import_sources([other], compile=False)
    assert result.entries == [] and result.tally.problems[0].kind == "not_corpus"


# ---- parquet and Arrow ----

def _write_parquet(path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(sample_rows()), path)


def _write_save_to_disk(folder: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.ipc as ipc

    table = pa.Table.from_pylist(sample_rows())
    (folder / "train").mkdir(parents=True)
    with ipc.new_stream(str(folder / "train" / "data-00000-of-00001.arrow"), table.schema) as writer:
        writer.write_table(table)
    state = {"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}
    (folder / "train" / "state.json").write_text(json.dumps(state))
    (folder / "train" / "dataset_info.json").write_text(json.dumps({"features": {}}))
    (folder / "dataset_dict.json").write_text(json.dumps({"splits": ["train"]}))


def test_parquet_and_save_to_disk_give_the_same_entries_as_jsonl(tmp_path):
    parquet = tmp_path / "mg.parquet"
    _write_parquet(parquet)
    arrow = tmp_path / "merged_dataset"
    _write_save_to_disk(arrow)
    assert sources.kind_of(parquet) == "parquet" and sources.kind_of(arrow) == "arrow"
    expected = import_sources([SAMPLE], compile=False).entries
    for path in (parquet, arrow):
        result = import_sources([path], compile=False)
        assert result.entries == expected, path
        assert result.tally.counts["rows"] == 10


def test_without_pyarrow_the_message_says_what_to_install(tmp_path, monkeypatch):
    parquet = tmp_path / "mg.parquet"
    parquet.write_bytes(b"PAR1")
    monkeypatch.setattr(sources, "have_pyarrow", lambda: False)
    with pytest.raises(MissingExtra, match=r"aigchip\[parquet\]"):
        import_sources([SAMPLE, parquet], compile=False)


def test_damaged_parquet_is_a_problem_not_a_crash(tmp_path):
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "mg.parquet"
    parquet.write_bytes(b"PAR1 not really parquet")
    result = import_sources([parquet], compile=False)
    assert result.entries == [] and result.tally.problems[0].kind == "unreadable"


# ---- the command ----

@pytest.mark.sim
def test_cli_import_json_summary_and_exit_status(tmp_path):
    out = tmp_path / "corpus.jsonl"
    result = aigchip("dataset", "import", str(SAMPLE), str(BAD), "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["entries"] == 10 and summary["rows"] == 17 and summary["problems"] == 9
    assert summary["problem_kinds"]["duplicate_id"] == 3 and len(summary["problem_list"]) == 9
    assert len(load_jsonl(out)[0]) == 10
    readable = aigchip("dataset", "import", str(BAD), "--out", str(tmp_path / "b.jsonl"))
    assert readable.returncode == 0 and "imported 2 entries" in readable.stdout
    assert f"{BAD}:6: not UTF-8" in readable.stderr


def test_cli_import_of_a_tree_exits_1_and_points_to_build(tmp_path):
    result = aigchip("dataset", "import", str(TREE), "--out", str(tmp_path / "c.jsonl"), "--no-compile")
    assert result.returncode == 1
    assert "aigchip dataset build" in result.stdout + result.stderr and "Traceback" not in result.stderr
    missing = aigchip("dataset", "import", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "c.jsonl"))
    assert missing.returncode == 2
