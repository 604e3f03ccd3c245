"""The native task format's multi-module tasks (several solution and interface files, unit tests for named
submodules, a recorded cost) and eval's tiers (--tags, by_tag in the summary and the report)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aigchip.bench.adapters import load
from aigchip.bench.runner import EvalError, run_eval, select_tasks
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.sim.types import Design, Status, Verdict
from aigchip.task import from_folder

SYSTEM = Path(__file__).parent / "fixtures" / "system" / "sys_acc2"
BLOCK = Path(__file__).parent / "fixtures" / "bench" / "native" / "and3"


def copy_task(root: Path, source: Path, name: str | None = None, **changes) -> Path:
    folder = root / (name or source.name)
    shutil.copytree(source, folder)
    meta = json.loads((folder / "task.json").read_text()) | changes
    (folder / "task.json").write_text(json.dumps(meta))
    return folder


def test_a_multi_module_task_loads_every_file():
    task = from_folder(SYSTEM)
    assert [p.name for p in task.solution] == ["sys_acc2.v", "acc_core.v"]
    assert [p.name for p in task.interface_files] == ["interface.v", "interface_acc_core.v"]
    assert task.interface.startswith("module sys_acc2") and "module acc_core" in task.interface
    assert task.unit_tests == {"acc_core": SYSTEM.resolve() / "test_unit_acc_core.py"}
    assert task.cost["cycles_per_job"] == 1 and "system" in task.tags
    design = task.solution_design()
    assert set(design.files) == {"sys_acc2.v", "acc_core.v"} and design.top == "sys_acc2"
    assert task.solution_design(top="acc_core").top == "acc_core"


def test_a_one_file_task_still_names_its_file_after_the_top():
    task = from_folder(BLOCK)
    assert len(task.solution) == 1 and list(task.solution_design().files) == ["and3.v"]
    assert task.unit_tests == {} and task.cost == {}


@pytest.mark.parametrize("changes, message", [
    ({"unit_tests": {"no_such_module": "test_unit_acc_core.py"}}, "does not define"),
    ({"unit_tests": {"acc_core": "missing.py"}}, "not a file inside the task folder"),
    ({"unit_tests": {"acc_core": "acc_core.v"}}, "not a cocotb test module"),
    ({"unit_tests": ["test_unit_acc_core.py"]}, "must map module names"),
    ({"solution": ["sys_acc2.v", "../elsewhere.v"]}, "not a file inside"),
    ({"solution": ["sys_acc2.v", "sys_acc2.v"]}, "two files with the same name"),
    ({"solution": {"a": "sys_acc2.v"}}, "a file name or a list"),
    ({"cost": 12}, "'cost' must be an object"),
])
def test_bad_multi_module_fields_are_clear_errors(tmp_path, changes, message):
    folder = copy_task(tmp_path, SYSTEM, **changes)
    with pytest.raises(ValueError, match=message):
        from_folder(folder)


def test_unit_tests_apply_only_to_a_candidate_with_that_module_and_its_ports():
    task = from_folder(SYSTEM)
    same = Design(files={"all.v": "\n".join(p.read_text() for p in task.solution)}, top="sys_acc2")
    assert set(task.unit_tests_for(same)) == {"acc_core"}
    wider = same.model_copy(update={"files": {"all.v": same.files["all.v"].replace("input  wire [7:0] x", "input  wire [8:0] x")}})
    assert task.unit_tests_for(wider) == {}
    flat = Design(files={"top.v": "module sys_acc2(input wire clk, input wire rst, input wire en, input wire [7:0] a, "
                                  "input wire [7:0] b, output wire [12:0] total); endmodule"}, top="sys_acc2")
    assert task.unit_tests_for(flat) == {}  # decomposed differently: no unit test, and no failure for it


def test_tags_select_a_tier_and_the_summary_and_report_show_tiers_apart(tmp_path):
    root = tmp_path / "bench"
    copy_task(root, SYSTEM)
    copy_task(root, BLOCK, tags=["block", "easy"])
    bench = load(root)
    assert [t.id for t in select_tasks(bench.tasks, None, "system")] == ["sys_acc2"]
    assert {t.id for t in select_tasks(bench.tasks, None, "system, block")} == {"sys_acc2", "and3"}
    with pytest.raises(EvalError, match="tags there: block, easy, system, test-fixture"):
        select_tasks(bench.tasks, None, "huge")

    def check(pairs, jobs=1):  # every design passes but the one the model breaks (references are sound)
        return [Verdict(status=Status.MISMATCH if "BROKEN" in "".join(d.files.values()) else Status.PASS)
                for d, _ in pairs]

    def model(task, sample):
        code = task.solution_design().files
        text = "\n".join(code.values()) + ("\n// BROKEN" if task.id == "sys_acc2" else "")
        return ScriptedModel([f"```verilog\n{text}\n```\n"])

    config = RunConfig(model="scripted", demos=0, max_iters=1, lint=False, cache=False)
    summary = run_eval(bench, config, samples=1, ks=[1], out_dir=tmp_path / "out", check=check, model_factory=model)
    assert summary["by_tag"]["block"] == {"tasks": 1, "passes": 1, "pass_rate": 1.0, "pass_at_k": {"1": 1.0}}
    assert summary["by_tag"]["system"]["pass_rate"] == 0.0 and summary["by_tag"]["system"]["tasks"] == 1
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## By tag" in report and "| system | 1 | 0 | 0.0% | 0.0% |" in report
    only = run_eval(bench, config, samples=1, ks=[1], out_dir=tmp_path / "out2", check=check, model_factory=model,
                    tags="block")
    assert only["tasks"] == 1 and set(only["by_tag"]) == {"block", "easy"}


@pytest.mark.sim
def test_reference_mode_checks_every_file_and_the_unit_tests(tmp_path):
    root = tmp_path / "bench"
    copy_task(root, SYSTEM)
    broken = copy_task(root, SYSTEM, "broken", id="sys_acc2_broken_unit")
    (broken / "test_unit_acc_core.py").write_text((broken / "test_unit_acc_core.py").read_text()
                                                  .replace("want = (want + 200 + i)", "want = (want + 201 + i)"))
    config = RunConfig(model="reference", demos=0, lint=False, cache=False)
    summary = run_eval(load(root), config, samples=1, ks=[1], out_dir=tmp_path / "out")
    rows = {row["task"]: row for row in summary["per_task"]}
    assert rows["sys_acc2"]["passes"] == 1 and rows["sys_acc2_broken_unit"]["passes"] == 0
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "out" / "results.jsonl").read_text().splitlines())}
    assert records["sys_acc2_broken_unit"]["status"] == "mismatch"
    assert records["sys_acc2_broken_unit"]["message"].startswith("unit test of acc_core: ")


def test_a_spec_names_its_top_module_in_prose():
    from aigchip.task import from_text

    cases = {"A 3-stage pipelined multiplier named mul3p with clk and 8-bit a, b.": "mul3p",
             "Write module adder4 that adds two 4-bit numbers.": "adder4",
             "Design a FIFO. The module is named `fifo8`.": "fifo8",
             "An 8-bit counter module named counter8 with clk.": "counter8",
             "A module that adds two numbers.": "top", "A counter.": "top"}
    assert {spec: from_text(spec).top for spec in cases} == cases
