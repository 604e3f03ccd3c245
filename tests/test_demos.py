"""Demonstration picking: the bundled library, BM25 at the spec's grain, exclusions, budget, CLI, JSONL loading."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.corpus.schema import (Block, CorpusError, Entry, dump_jsonl, load_demo_library, load_demo_library_checked,
                                 load_jsonl)
from aigchip.demos import bundled_library, estimate_tokens, library_dir, near_duplicate, select, spec_grain, tokenize

LIBRARY = Path(__file__).parent.parent / "datasets" / "demos"


@pytest.fixture(scope="module")
def library() -> list[Entry]:
    return load_demo_library(LIBRARY)


def aigchip(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AIGCHIP_DEMOS_DIR"}  # the bundled library
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent, env=env)


def entry(id_: str, **fields) -> Entry:
    base = dict(id=id_, top=id_, code=f"module {id_}(input a, output y); assign y = a; endmodule\n",
                high_level=f"{id_} summary", detailed=f"{id_} details", source="test", licence="Apache-2.0")
    return Entry(**{**base, **fields})


# ---- the bundled library ----

def test_library_has_twelve_or_more_complete_entries(library):
    assert len(library) >= 12
    assert len({e.id for e in library}) == len(library)
    for e in library:
        assert e.high_level.strip() and e.detailed.strip() and e.blocks, e.id
        assert all(b.code.strip() and b.summary.strip() for b in e.blocks), e.id
        assert e.source == "aigchip" and e.licence == "Apache-2.0" and e.tags, e.id
        assert e.checks.tests == f"{e.id}/test_{e.top}.py" and (LIBRARY / e.checks.tests).is_file(), e.id
        assert (LIBRARY / e.id / f"{e.top}.v").read_text() == e.code
        assert re.search(rf"^module\s+{e.top}\b", e.code, re.M), e.id
        assert "$finish" not in e.code and "$fopen" not in e.code, e.id


def test_blocks_are_verbatim_and_cover_the_module_in_order(library):
    for e in library:
        position = 0
        for block in e.blocks:
            found = e.code.find(block.code, position)
            assert found >= 0, f"{e.id}: a block is not verbatim (or out of order): {block.code[:60]!r}"
            assert not e.code[position:found].strip(), f"{e.id}: lines between blocks are not covered"
            position = found + len(block.code)
        assert not e.code[position:].strip(), f"{e.id}: the end of the module is not covered"


def test_bundled_library_found_next_to_the_package_and_by_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("AIGCHIP_DEMOS_DIR", raising=False)
    assert library_dir().resolve() == LIBRARY.resolve()
    assert len(bundled_library()) >= 12
    shutil.copytree(LIBRARY / "sync_fifo", tmp_path / "sync_fifo")
    monkeypatch.setenv("AIGCHIP_DEMOS_DIR", str(tmp_path))
    assert [e.id for e in bundled_library()] == ["sync_fifo"]


def test_broken_library_folder_is_named_never_skipped_silently(tmp_path):
    shutil.copytree(LIBRARY / "sync_fifo", tmp_path / "sync_fifo")
    shutil.copytree(LIBRARY / "relu_s8", tmp_path / "relu_s8")
    (tmp_path / "relu_s8" / "descriptions.json").write_text("{not json")
    entries, problems = load_demo_library_checked(tmp_path)
    assert [e.id for e in entries] == ["sync_fifo"]
    assert len(problems) == 1 and "relu_s8" in problems[0].file
    with pytest.raises(CorpusError, match="relu_s8"):
        load_demo_library(tmp_path)


def test_a_demo_whose_description_leaves_out_its_clock_and_reset_is_named(tmp_path):
    shutil.copytree(LIBRARY / "ctrl_fsm", tmp_path / "ctrl_fsm")
    shutil.copytree(LIBRARY / "mac_dual_u8", tmp_path / "mac_dual_u8")  # names en<i>, a<i>, b<i>: en0 ... b1
    meta_file = tmp_path / "ctrl_fsm" / "descriptions.json"
    meta = json.loads(meta_file.read_text())
    meta["detailed"] = meta["detailed"].replace("Inputs: clk, rst (synchronous, active high), ", "Inputs: ") \
        .replace("rst returns to IDLE", "A reset returns to IDLE")
    meta_file.write_text(json.dumps(meta))
    entries, problems = load_demo_library_checked(tmp_path)
    assert [e.id for e in entries] == ["mac_dual_u8"]
    assert len(problems) == 1 and problems[0].kind == "undescribed_port"
    assert "ctrl_fsm" in problems[0].file and "never names port(s) clk, rst of ctrl_fsm" in problems[0].message


# ---- relevance ----

@pytest.mark.parametrize("spec, expected", [
    ("a synchronous FIFO with full and empty flags", "sync_fifo"),
    ("int8 multiply accumulate that saturates", "mac_sat_s8"),
    ("unsigned 8-bit MAC with a wrapping accumulator", "mac_unsigned"),
    ("weight-stationary systolic array processing element", "systolic_pe_ws"),
    ("2x2 output stationary systolic array for matrix multiplication", "systolic_os_2x2"),
    ("requantize an int32 accumulator to int8 with rounding", "requant_s8"),
    ("ReLU6 activation for int8 vectors", "relu_s8"),
    ("2x2 max pooling over a stream of pixels", "maxpool2x2_s8"),
    ("valid/ready skid buffer", "skid_buffer"),
    ("address generator with row and column strides", "addr_gen_2d"),
    ("a controller FSM with start, busy and done", "ctrl_fsm"),
    ("pipelined adder tree summing four numbers", "adder_tree4"),
    ("dot product of four int8 lanes", "dot4_s8"),
    ("three tap FIR filter", "fir3_s8"),
])
def test_the_obvious_demo_comes_first(library, spec, expected):
    demos = select(spec, library, k=3)
    assert demos and demos[0].id == expected, [(d.id, d.score, d.why) for d in demos]
    assert demos[0].why and all(d.score > 0 for d in demos)
    assert [d.score for d in demos] == sorted((d.score for d in demos), reverse=True)


def test_tokenizer_splits_identifiers_and_stems():
    assert tokenize("sync_fifo") == ["sync", "fifo"]
    assert set(tokenize("maxPool")) == {"max", "pool", "maxpool"}
    assert tokenize("saturates")[0] == tokenize("saturating")[0] == tokenize("saturated")[0]
    assert tokenize("flags") == tokenize("flag")
    assert "the" not in tokenize("the FIFO")


def test_unrelated_spec_gets_no_demos(library):
    assert select("zyxxy quorble", library) == []


# ---- grain ----

def test_spec_grain():
    assert spec_grain("a synchronous FIFO with full and empty flags") == "high_level"
    long_spec = " ".join(["The accumulator adds the product of a and b on every enabled cycle."] * 6)
    assert spec_grain(long_spec) == "detailed"
    ports = "A 4-input max.\nInputs: a[7:0], b[7:0], c[7:0], d[7:0]\nOutput: y[7:0]"
    assert spec_grain(ports) == "detailed"
    port_bullets = "Adder.\n- input a[7:0]\n- input b[7:0]\n- output y[8:0]"
    assert spec_grain(port_bullets) == "detailed"
    assert spec_grain("Block 1: declare ports.\nBlock 2: register the sum.\nBlock 3: saturate.") == "block"
    assert spec_grain("Build it from these blocks:\n- a pointer register\n- a memory array\n- flag logic") == "block"


def test_demos_are_shown_at_the_spec_grain(library):
    short = select("synchronous FIFO", library, k=1)[0]
    assert short.grain == "high_level" and short.description == next(e for e in library if e.id == short.id).high_level
    detailed = select("synchronous FIFO", library, k=1, grain="detailed")[0]
    assert detailed.grain == "detailed" and "wr_en" in detailed.description
    block = select("Block 1: pointers for a FIFO.\nBlock 2: full and empty flags.", library, k=1)[0]
    assert block.id == "sync_fifo" and block.grain == "block"
    assert block.description.startswith("- ") and len(block.description.splitlines()) == 5
    assert "module sync_fifo" in block.code


def test_missing_grain_falls_back_to_one_the_entry_has():
    only_detailed = entry("fifo_x", high_level="", detailed="a synchronous fifo with full and empty flags")
    demo = select("fifo flags", [only_detailed], grain="high_level")[0]
    assert demo.grain == "detailed" and demo.description == only_detailed.detailed


def test_unknown_grain_is_refused(library):
    with pytest.raises(ValueError):
        select("fifo", library, grain="coarse")


# ---- exclusions ----

def test_exclude_ids_removes_the_entry(library):
    demos = select("a synchronous FIFO with full and empty flags", library, k=5, exclude_ids={"sync_fifo"})
    assert "sync_fifo" not in [d.id for d in demos]


def test_near_copy_of_code_or_description_removes_the_entry(library):
    fifo = next(e for e in library if e.id == "sync_fifo")
    spec = "a synchronous FIFO with full and empty flags"
    edited_code = fifo.code.replace("WIDTH", "W").replace("count", "level").replace("// a push", "// push")
    assert near_duplicate(edited_code, fifo.code)
    for text in (edited_code, fifo.detailed.replace("FIFO", "queue", 1), "Please build this: " + fifo.high_level):
        ids = [d.id for d in select(spec, library, k=5, exclude_texts=[text])]
        assert "sync_fifo" not in ids, text[:80]
    assert select(spec, library, k=1, exclude_texts=["an unrelated text about a systolic array"])[0].id == "sync_fifo"


def test_near_duplicate():
    text = "the accumulator adds the product of a and b on every enabled clock cycle and saturates at the limits"
    assert near_duplicate(text, text)
    assert near_duplicate(text, text.replace("limits", "bounds"))
    assert near_duplicate(text, "Here is my task. " + text + " Please write it in Verilog with care.")
    assert not near_duplicate(text, "a synchronous fifo with full and empty flags and a count of the entries stored")
    assert not near_duplicate("", text)


# ---- token budget ----

def test_token_budget_limits_the_count(library):
    spec = "int8 signed multiply accumulate systolic array dot product"
    everything = select(spec, library, k=10, token_budget=10**6)
    assert len(everything) >= 4
    cost = [estimate_tokens(d.description + d.code) for d in everything]
    tight = select(spec, library, k=10, token_budget=cost[0] + cost[1])
    assert 1 <= len(tight) < len(everything)
    assert sum(estimate_tokens(d.description + d.code) for d in tight) <= cost[0] + cost[1]
    assert tight[0].id == everything[0].id
    assert select(spec, library, k=10, token_budget=10) == []
    assert len(select(spec, library, k=2, token_budget=10**6)) == 2


# ---- JSONL corpora ----

def test_jsonl_round_trip(tmp_path):
    entries = [entry("a1", blocks=[Block(code="assign y = a;", summary="a wire")], tags=["x"]), entry("b2", spec="s")]
    path = tmp_path / "sub" / "corpus.jsonl"
    dump_jsonl(entries, path)
    loaded, problems = load_jsonl(path)
    assert loaded == entries and problems == []
    assert [p.name for p in path.parent.iterdir()] == ["corpus.jsonl"]  # no temporary file left behind


def test_malformed_jsonl_lines_are_reported_with_line_numbers_and_skipped(tmp_path):
    good = entry("good").model_dump_json()
    lines = [good,                                              # 1
             "{not json",                                       # 2
             json.dumps({"id": "no_code", "top": "t"}),         # 3: missing code
             "",                                                # 4: blank, ignored
             entry("good").model_dump_json(),                   # 5: duplicate id
             entry("empty", high_level="", detailed="").model_dump_json(),  # 6: no description at any grain
             "[1, 2]",                                          # 7: not an object
             entry("other").model_dump_json()]                  # 8
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n")
    entries, problems = load_jsonl(path)
    assert [e.id for e in entries] == ["good", "other"]
    assert [p.line for p in problems] == [2, 3, 5, 6, 7]
    assert all(p.file == str(path) for p in problems)
    assert "duplicate" in problems[2].message and "description" in problems[3].message
    assert problems[0].render().startswith(f"{path}:2: ")


# ---- the command ----

def test_cli_json_contract(tmp_path):
    result = aigchip("demos", "a synchronous FIFO with full and empty flags", "--json", "-k", "2")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["spec_grain"] == "high_level"
    assert 1 <= len(report["demos"]) <= 2 and report["demos"][0]["id"] == "sync_fifo"
    for demo in report["demos"]:
        assert set(demo) == {"id", "top", "score", "grain", "why"}
        assert isinstance(demo["score"], float) and demo["grain"] == "high_level"


def test_cli_reads_spec_file_grain_and_corpus(tmp_path):
    spec = tmp_path / "spec.txt"
    spec.write_text("int8 multiply accumulate that saturates\n")
    result = aigchip("demos", str(spec), "--json", "--grain", "detailed")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["spec_grain"] == "detailed" and report["demos"][0]["id"] == "mac_sat_s8"
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(entry("fifo_x", high_level="a fifo with flags").model_dump_json() + "\n{broken\n")
    result = aigchip("demos", "fifo", "--corpus", str(corpus), "--json")
    assert result.returncode == 0, result.stderr
    assert [d["id"] for d in json.loads(result.stdout)["demos"]] == ["fifo_x"]
    assert f"{corpus}:2:" in result.stderr


def test_cli_readable_output_and_usage_errors():
    result = aigchip("demos", "valid ready skid buffer")
    assert result.returncode == 0
    assert "skid_buffer" in result.stdout and "why:" in result.stdout and "grain=high_level" in result.stdout
    for args in (["demos", "  "], ["demos", "fifo", "--grain", "coarse"], ["demos", "fifo", "-k", "0"],
                 ["demos", "fifo", "--corpus", "/nonexistent/corpus.jsonl"]):
        result = aigchip(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stdout + result.stderr


def test_a_run_loads_its_corpus_once_and_again_after_an_edit(tmp_path, monkeypatch):
    from aigchip import demos
    from aigchip.config import RunConfig

    shutil.copytree(LIBRARY / "sync_fifo", tmp_path / "lib" / "sync_fifo")
    monkeypatch.setenv("AIGCHIP_DEMOS_DIR", str(tmp_path / "lib"))
    loads = []
    real = demos.load_demo_library
    monkeypatch.setattr(demos, "load_demo_library", lambda folder: loads.append(folder) or real(folder))
    config = RunConfig()
    first = demos.corpus_for(config)
    second = demos.corpus_for(config)
    assert len(loads) == 1 and first[0] is second[0] and first[1] is second[1]
    assert first[1] is not None  # an index is always given, so no sample builds its own
    shutil.copytree(LIBRARY / "skid_buffer", tmp_path / "lib" / "skid_buffer")
    third = demos.corpus_for(config)
    assert len(loads) == 2 and sorted(e.id for e in third[0]) == ["skid_buffer", "sync_fifo"]
    edited = next(p for p in sorted((tmp_path / "lib" / "sync_fifo").iterdir()) if p.is_file())
    edited.write_text(edited.read_text() + "\n")  # a file edited in place: the folder's own mtime stays
    assert demos.corpus_for(config)[0] is not third[0] and len(loads) == 3
    assert demos.corpus_for(config)[0] is demos.corpus_for(config)[0] and len(loads) == 3
