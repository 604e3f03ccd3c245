"""`aigchip dataset build`: modules out of files, duplicates, compile gate, three-grain annotation with a
scripted model, resume, concurrency, --validate, token accounting, and the command over an endpoint."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.corpus import dedup, verilog
from aigchip.corpus.annotate import Annotator, clean_reply, first_sentence
from aigchip.corpus.build import BuildOptions, build, done_ids, modules_of
from aigchip.corpus.report import Tally, describe_build
from aigchip.corpus.schema import load_jsonl
from aigchip.models.local import ScriptedModel
from aigchip.models import Reply, Usage

TREE = Path(__file__).parent / "fixtures" / "corpus" / "tree"
ROOT = Path(__file__).parent.parent
GOOD_MODULES = ["alu4", "adder4", "traffic_light", "regfile"]  # what survives the tree, in build order


class EchoModel:
    """Deterministic annotations from the prompt itself, whatever order the calls come in."""

    name, kind = "echo", "scripted"

    def __init__(self, garbage_code: bool = False) -> None:
        self.calls = 0
        self.garbage_code = garbage_code

    def complete(self, messages, *, n=1, sample_index=0):
        text = messages[-1]["content"]
        top = (re.search(r"module `(\w+)`", text) or re.search(r"named `(\w+)`", text)).group(1)
        if "<summary>" in text:
            numbers = re.findall(r"^block_(\d+): <summary>", text, re.M)
            reply = "\n".join(f"block_{k}: {top} block {k} does its part." for k in numbers)
        elif "Write a detailed description" in text:
            reply = f"Detailed summary: The module {top} is described in detail here."
        elif "Summarize what the module is for" in text:
            reply = f"A {top} for the tests."
        else:  # --validate: rewrite from the description, given the header
            header = re.search(r"```verilog\n(.*?)\n```", text, re.S).group(1)
            reply = "no code, sorry" if self.garbage_code else f"```verilog\n{header}\nendmodule\n```"
        self.calls += 1
        return [Reply(text=reply, usage=Usage(prompt_tokens=10, completion_tokens=3), model=self.name, kind=self.kind)]

    async def acomplete(self, messages, *, n=1, sample_index=0):
        return self.complete(messages, n=n, sample_index=sample_index)


def scripted(count: int, start: int = 0) -> list[str]:
    """Replies for `count` modules annotated one after another: blocks, detailed, high level."""
    replies = []
    for i in range(start, start + count):
        replies += ["\n".join(f"block_{k}: part {k} of design {i}." for k in range(12)),
                    f"Design {i} in detail: ports, clocking and reset.", f"Design {i}, briefly."]
    return replies


def tree_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TREE, tmp_path / "src"))


# ---- modules and duplicates ----

def test_modules_are_split_with_their_dependencies_and_comments():
    tally = Tally()
    found = {c.module.name: c for c in modules_of(TREE, tally, "tree")}
    assert {"alu4", "adder4", "regfile", "traffic_light", "broken"} <= set(found)
    alu = found["alu4"]
    assert alu.code.index("module alu4") < alu.code.index("module adder4")  # the adder comes along
    assert alu.code.startswith("// A four-bit ALU") and alu.module.line == 1
    assert found["adder4"].code.startswith("// Four-bit adder") and "module alu4" not in found["adder4"].code
    assert found["traffic_light"].module.parser == "regex" and found["alu4"].module.parser == "pyverilog"
    assert tally.problem_kinds() == {"not_utf8": 1, "not_verilog": 1}
    assert tally.counts["files"] == 7 and "README" not in json.dumps(tally.summary())


def test_split_modules_ignores_module_words_in_comments_and_strings():
    text = ('// module fake (a);\nmodule real_one (input a, output y);\n  initial $display("module x; endmodule");\n'
            '  assign y = a;\nendmodule\n/* endmodule */\nmodule open_ended (input a);\n')
    assert [m.name for m in verilog.split_modules(text)] == ["real_one"]


def test_blocks_cover_the_code_in_about_ten_lines():
    code = (TREE / "fsm.sv").read_text()
    blocks = verilog.split_blocks(code)
    assert "".join(blocks) == code and 2 <= len(blocks) <= 4
    assert all(3 <= len(b.splitlines()) <= 16 for b in blocks)
    assert len(verilog.split_blocks(code, count=5)) == 5
    assert verilog.split_blocks("module m; endmodule\n", count=4) == ["module m; endmodule\n"]


def test_minhash_finds_exact_and_near_copies_only():
    original = (TREE / "regs" / "regfile.v").read_text()
    near = (TREE / "regs" / "regfile_vendor.v").read_text()
    exact = original.replace("// Register file", "// A register file")
    other = (TREE / "fsm.sv").read_text()
    assert dedup.find_duplicates([original, other, near, exact]) == {2: (0, "near"), 3: (0, "exact")}
    minhash = dedup.MinHash()
    same = minhash.signature(dedup.code_shingles(original))
    assert minhash.similarity(same, same) == 1.0
    assert minhash.similarity(same, minhash.signature(dedup.code_shingles(other))) < 0.3


def test_reply_cleaning():
    assert clean_reply("```\nHigh-level summary: \"A counter.\"\n```") == "A counter."
    assert first_sentence("A FIFO with flags. It has depth 8.") == "A FIFO with flags."
    assert first_sentence("no full stop here") == "no full stop here"


# ---- the build ----

@pytest.mark.sim
def test_build_with_a_scripted_model(tmp_path):
    out = tmp_path / "corpus.jsonl"
    model = ScriptedModel(scripted(len(GOOD_MODULES)))
    result = build([TREE], out, model, BuildOptions(concurrency=1, source="tree", licence="Apache-2.0"))
    summary = result.summary(out)
    assert result.stopped is None and summary["written"] == 4 and summary["annotated"] == 4
    entries, problems = load_jsonl(out)
    assert problems == [] and [e.top for e in entries] == GOOD_MODULES
    for i, entry in enumerate(entries):
        assert entry.high_level == f"Design {i}, briefly." and entry.detailed.startswith(f"Design {i} in detail")
        assert entry.blocks and "".join(b.code for b in entry.blocks) == entry.code
        assert entry.blocks[0].summary == f"part 0 of design {i}."
        assert entry.checks.compiles is True and entry.source == "tree" and entry.licence == "Apache-2.0"
        assert entry.id == verilog.entry_id(entry.top, entry.code)
    kinds = summary["problem_kinds"]
    assert kinds == {"does_not_compile": 1, "duplicate_near": 1, "not_utf8": 1, "not_verilog": 1}
    assert any("regfile_vendor.v:1: regfile is a near copy of regfile" in p for p in summary["problem_list"])
    assert any(p.startswith(f"{TREE / 'broken.v'}:1: broken does not compile") for p in summary["problem_list"])
    assert summary["model_calls"] == 12 and len(model.requests) == 12
    first_prompt = model.requests[0][-1]["content"]
    assert "block_0: <summary>" in first_prompt and "module alu4" in first_prompt
    assert "Design 0 in detail" in model.requests[2][-1]["content"]  # the high level comes from the detailed


def test_each_detailed_summary_is_checked_against_the_code_s_ports(tmp_path):
    out = tmp_path / "corpus.jsonl"
    replies = scripted(len(GOOD_MODULES))
    replies[1] = "alu4 takes inputs a[3:0], b[3:0] and op[1:0] and drives y[3:0] and carry."
    result = build([TREE], out, ScriptedModel(replies), BuildOptions(concurrency=1))
    entries, _ = load_jsonl(out)
    assert [(e.top, e.checks.describes_ports) for e in entries] == [
        ("alu4", True), ("adder4", False), ("traffic_light", False), ("regfile", False)]
    summary = result.summary(out)
    assert summary["ports_undescribed"] == 3
    assert "3 detailed summaries leave out a port of their code" in "\n".join(describe_build(summary))


@pytest.mark.sim
def test_build_resumes_after_a_model_failure_and_a_cut_line(tmp_path):
    out = tmp_path / "corpus.jsonl"
    first = build([TREE], out, ScriptedModel(scripted(2)), BuildOptions(concurrency=1))
    assert first.stopped and "exhausted" in first.stopped and len(first.written) == 2
    assert first.summary(out)["problem_kinds"]["model_error"] == 1 and first.tally.counts["not_annotated"] == 1
    with out.open("a") as handle:
        handle.write('{"id": "half-written", "top": "x", "co')  # a run killed mid-line
    model = ScriptedModel(scripted(2, start=2))
    second = build([TREE], out, model, BuildOptions(concurrency=1))
    assert second.stopped is None and second.tally.counts["already_done"] == 2 and len(second.written) == 2
    assert len(model.requests) == 6
    entries, problems = load_jsonl(out)
    assert problems == [] and [e.top for e in entries] == GOOD_MODULES
    assert [e.high_level for e in entries] == [f"Design {i}, briefly." for i in range(4)]
    third = build([TREE], out, ScriptedModel([]), BuildOptions(concurrency=1))
    assert third.written == [] and third.tally.counts["already_done"] == 4 and third.stopped is None


@pytest.mark.sim
def test_concurrent_build_gives_the_same_entries(tmp_path):
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    build([TREE], one, EchoModel(), BuildOptions(concurrency=1))
    result = build([TREE], many, EchoModel(), BuildOptions(concurrency=4, jobs=4))
    by_id = lambda path: {e.id: e for e in load_jsonl(path)[0]}  # noqa: E731
    assert by_id(one) == by_id(many) and len(by_id(many)) == 4
    tokens = result.summary(many)["tokens"]
    assert tokens["total"] == 13 * result.annotator.calls and tokens["by_stage"]["validate"] == 0
    assert tokens["prompt"] == 10 * result.annotator.calls


@pytest.mark.sim
def test_validate_records_whether_the_model_rewrites_compiling_code(tmp_path):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    build([TREE / "alu.v"], good, EchoModel(), BuildOptions(concurrency=2, validate=True))
    build([TREE / "alu.v"], bad, EchoModel(garbage_code=True), BuildOptions(concurrency=2, validate=True))
    assert [e.checks.regenerates for e in load_jsonl(good)[0]] == [True, True]
    assert [e.checks.regenerates for e in load_jsonl(bad)[0]] == [False, False]


def test_missing_block_summaries_are_asked_again_then_refused():
    code = (TREE / "fsm.sv").read_text()
    count = len(verilog.split_blocks(code))
    partial = "block_0: the ports."
    rest = "\n".join(f"block_{k}: more." for k in range(1, count))
    annotator = Annotator(ScriptedModel([partial, rest]))
    blocks = annotator.block_summaries(code, "traffic_light")
    assert [b.summary for b in blocks][:2] == ["the ports.", "more."] and annotator.calls == 2
    from aigchip.corpus.annotate import AnnotationError

    with pytest.raises(AnnotationError, match="no summary for block"):
        Annotator(ScriptedModel([partial, "nothing useful"])).block_summaries(code, "traffic_light")


def test_done_ids_reads_the_output_and_drops_a_cut_last_line(tmp_path):
    out = tmp_path / "c.jsonl"
    out.write_text('{"id": "a"}\nnot json\n{"id": "b"}\n{"id": "c", "to')
    assert done_ids(out) == {"a", "b"} and out.read_text().endswith('{"id": "b"}\n')
    assert done_ids(tmp_path / "missing.jsonl") == set()


# ---- the command, against an OpenAI-compatible endpoint ----

@pytest.mark.sim
def test_cli_build_against_a_loopback_endpoint(tmp_path):
    from aigchip.loopback import Loopback, Response

    echo = EchoModel()

    def answer(body: dict) -> Response:
        return Response.text(echo.complete(body["messages"])[0].text)

    out = tmp_path / "corpus.jsonl"
    with Loopback(handler=answer) as server:
        args = [sys.executable, "-m", "aigchip.cli", "dataset", "build", str(TREE / "alu.v"), str(TREE / "broken.v"),
                "--out", str(out), "--model", "served", "--base-url", server.base_url, "--no-cache", "--json"]
        env = {**os.environ, "OPENAI_API_KEY": "sk-test-never-shown-123456"}
        result = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        assert summary["written"] == 2 and summary["problem_kinds"] == {"does_not_compile": 1}
        assert summary["model_calls"] == 6 and summary["tokens"]["total"] > 0
        again = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
        assert again.returncode == 0 and json.loads(again.stdout)["already_done"] == 2
        assert len(server.completions()) == 6
    assert sorted(e.top for e in load_jsonl(out)[0]) == ["adder4", "alu4"]  # in the order they finished


def test_cli_build_needs_a_model(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIGCHIP_MODEL")}
    result = subprocess.run([sys.executable, "-m", "aigchip.cli", "dataset", "build", str(TREE), "--out",
                             str(tmp_path / "c.jsonl")], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "needs a model" in result.stderr and "Traceback" not in result.stderr
