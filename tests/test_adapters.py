"""Benchmark adapters over aigchip's own fixtures in the VerilogEval v2, RTLLM, VGen and native layouts."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from aigchip.bench.adapters import LAYOUTS, Benchmark, BenchmarkError, detect, load
from aigchip.task import verify_options
from aigchip.sim.types import Design

BENCH = Path(__file__).parent / "fixtures" / "bench"
FIXTURE_LAYOUTS = {"verilog_eval": "verilog-eval-v2", "rtllm": "rtllm", "vgen": "vgen", "native": "native"}
ADDER = "Arithmetic/Adder Units/adder4"


def copy_of(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(BENCH / name, tmp_path / name))


def by_id(bench: Benchmark) -> dict:
    return {task.id: task for task in bench.tasks}


@pytest.mark.parametrize("folder, layout", FIXTURE_LAYOUTS.items())
def test_each_fixture_is_detected_and_loads_without_problems(folder, layout):
    assert detect(BENCH / folder) == layout
    bench = load(BENCH / folder)
    assert bench.layout == layout and bench.name == folder and bench.problems == []
    assert bench.root.is_absolute() and all(p.is_absolute() for t in bench.tasks for p in t.testbench)


def test_verilog_eval_tasks():
    bench = load(BENCH / "verilog_eval")
    assert [t.id for t in bench.tasks] == ["Prob001_and2", "Prob002_count4"]
    task = bench.task("Prob002_count4")
    assert task.top == "TopModule" and task.tb_top == "tb" and task.source == "VerilogEval v2"
    assert "4-bit binary counter" in task.spec["detailed"] and list(task.spec) == ["detailed"]
    assert [p.name for p in task.testbench] == ["Prob002_count4_test.sv"]
    assert task.reference.name == task.solution[0].name == "Prob002_count4_ref.sv"
    assert task.solution_rename == {"RefModule": "TopModule"} and task.licence == "MIT"
    assert "module TopModule" in task.solution_design().files["TopModule.sv"]


def test_verilog_eval_problems_txt_sets_selection_and_order(tmp_path):
    root = copy_of("verilog_eval", tmp_path)
    for suffix in ("prompt.txt", "ref.sv", "test.sv"):  # a problem on disk that problems.txt does not list
        shutil.copyfile(root / f"Prob001_and2_{suffix}", root / f"Prob003_extra_{suffix}")
    (root / "problems.txt").write_text("Prob002_count4\n\nProb001_and2\n")
    assert [t.id for t in load(root).tasks] == ["Prob002_count4", "Prob001_and2"]
    (root / "problems.txt").unlink()
    assert [t.id for t in load(root).tasks] == ["Prob001_and2", "Prob002_count4", "Prob003_extra"]


def test_verilog_eval_problem_without_testbench_is_skipped_with_a_reason(tmp_path):
    root = copy_of("verilog_eval", tmp_path)
    (root / "Prob002_count4_test.sv").unlink()
    bench = load(root)
    assert [t.id for t in bench.tasks] == ["Prob001_and2"]
    assert len(bench.problems) == 1 and bench.problems[0].startswith("Prob002_count4: skipped")
    assert "Prob002_count4_test.sv (the testbench)" in bench.problems[0]


def test_rtllm_tasks():
    bench = load(BENCH / "rtllm")
    adder, counter = bench.task("adder4"), bench.task("counter8")
    assert adder.top == "adder4" and adder.tags == ["Arithmetic", "Adder Units"] and adder.source == "RTLLM"
    assert adder.testbench[0].parent.name == "adder4" and adder.testbench[0].parent.parent.name == "Adder Units"
    assert "4-bit unsigned adder" in adder.spec["detailed"] and adder.interface == ""
    assert adder.solution[0].name == "verified_adder4.v" and adder.solution_rename == {"verified_adder4": "adder4"}
    assert "module adder4(" in adder.solution_design().files["adder4.v"]
    assert counter.solution_rename == {} and counter.tb_top is None and counter.licence == "MIT"
    assert (adder.testbench[0].parent / "vectors.txt").is_file()  # the data file the testbench reads


def test_rtllm_duplicate_design_names_get_their_category_path(tmp_path):
    root = copy_of("rtllm", tmp_path)
    shutil.copytree(root / ADDER, root / "Arithmetic" / "Other Adders" / "adder4")
    ids = sorted(t.id for t in load(root).tasks)
    assert ids == ["Arithmetic/Adder Units/adder4", "Arithmetic/Other Adders/adder4", "counter8"]


def test_rtllm_design_without_testbench_is_skipped_with_a_reason(tmp_path):
    root = copy_of("rtllm", tmp_path)
    (root / ADDER / "testbench.v").unlink()
    bench = load(root)
    assert [t.id for t in bench.tasks] == ["counter8"]
    assert bench.problems == [f"{ADDER}: skipped: no testbench.v (nothing can check a design)"]


def test_vgen_tasks_map_prompt_levels_to_grains():
    bench = load(BENCH / "vgen")
    assert [t.id for t in bench.tasks] == ["and_gate", "counter", "shift4"]
    counter = bench.task("counter")
    assert list(counter.spec) == ["high_level", "detailed", "block"] and counter.top == "counter"
    assert "else if q is 9" in counter.spec["block"] and "else if q is 9" not in counter.spec["detailed"]
    assert counter.spec["high_level"].startswith("// This is a decade counter")
    assert counter.interface.startswith("module counter(") and counter.interface.endswith(");")
    assert counter.solution[0].name == "answer_counter.v" and counter.tags == ["intermediate2"]
    assert counter.source == "VGen" and counter.testbench[0].name == "tb_counter.v"


def test_vgen_task_without_answer_has_no_solution():
    shift = load(BENCH / "vgen").task("shift4")
    assert shift.solution == () and shift.solution_design() is None and shift.has_golden_tests


def test_vgen_problem_without_testbench_is_skipped_with_a_reason(tmp_path):
    root = copy_of("vgen", tmp_path)
    (root / "basic2" / "tb_and_gate.v").unlink()
    bench = load(root)
    assert "and_gate" not in by_id(bench)
    assert bench.problems == ["basic2/and_gate: skipped: no tb_and_gate.v (nothing can check a design)"]


def test_native_folder_of_tasks_and_single_task_folder():
    bench = load(BENCH / "native")
    assert [t.id for t in bench.tasks] == ["and3", "parity8"]
    and3 = bench.task("and3")
    assert and3.interface.startswith("module and3(") and and3.licence == "Apache-2.0" and and3.tags == ["logic"]
    single = load(BENCH / "native" / "parity8")
    assert single.layout == "native" and [t.id for t in single.tasks] == ["parity8"]
    assert single.tasks[0].reference.name == "ref_parity8.sv" and single.tasks[0].tb_top == "tb"


def test_native_bad_task_folders_are_skipped_with_reasons(tmp_path):
    root = copy_of("native", tmp_path)
    meta = json.loads((root / "and3" / "task.json").read_text())
    (root / "and3" / "task.json").write_text(json.dumps({k: v for k, v in meta.items() if k != "testbench"}))
    (root / "broken").mkdir()
    (root / "broken" / "task.json").write_text("{not json")
    (root / "stray").mkdir()
    shutil.copytree(root / "parity8", root / "parity8_copy")
    bench = load(root)
    assert [t.id for t in bench.tasks] == ["parity8"]
    problems = "\n".join(bench.problems)
    assert "and3: skipped: task.json names no testbench or tests" in problems
    assert "broken: skipped:" in problems and "not valid JSON" in problems
    assert "stray: skipped: no task.json in it" in problems
    assert "parity8_copy: skipped: its id 'parity8' is already used by parity8" in problems


def test_empty_folder_is_an_error_listing_the_layouts(tmp_path):
    with pytest.raises(BenchmarkError, match="empty") as caught:
        load(tmp_path)
    assert all(layout in str(caught.value) for layout in LAYOUTS)
    assert "design_description.txt" in str(caught.value) and "task.json" in str(caught.value)


def test_unknown_layout_is_an_error_listing_the_layouts(tmp_path):
    (tmp_path / "notes.txt").write_text("not a benchmark")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "design.v").write_text("module m; endmodule\n")
    with pytest.raises(BenchmarkError) as caught:
        detect(tmp_path)
    message = str(caught.value)
    assert "not in any benchmark layout" in message and all(layout in message for layout in LAYOUTS)
    assert "ProbNNN_name_prompt.txt" in message and "prompt1_<name>.v" in message
    with pytest.raises(BenchmarkError, match="unknown benchmark layout 'hdlbits'"):
        load(BENCH / "vgen", layout="hdlbits")
    assert isinstance(caught.value, ValueError)


def test_missing_folder_and_file_and_all_skipped_are_errors(tmp_path):
    with pytest.raises(BenchmarkError, match="no such folder"):
        load(tmp_path / "nowhere")
    with pytest.raises(BenchmarkError, match="is a file"):
        load(BENCH / "verilog_eval" / "problems.txt")
    root = copy_of("vgen", tmp_path)
    for tb in root.rglob("tb_*.v"):
        tb.unlink()
    with pytest.raises(BenchmarkError, match="no usable vgen task") as caught:
        load(root)
    assert "intermediate2/counter: skipped: no tb_counter.v" in str(caught.value)


def test_a_layout_can_be_named():
    assert load(BENCH / "rtllm", layout="rtllm").layout == "rtllm"


def test_slices_script_helper_is_a_thin_wrapper():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import slices

    checks = slices.rtllm_tasks(BENCH / "rtllm", lint=False)
    assert [name for name, _, _ in checks] == ["adder4", "counter8"]
    _name, design, options = checks[0]
    assert design.top == "adder4" and options.testbench[0].name == "testbench.v" and options.lint is False


def all_fixture_tasks() -> list:
    return [task for folder in FIXTURE_LAYOUTS for task in load(BENCH / folder).tasks]


@pytest.mark.sim
def test_every_fixture_solution_passes_its_own_testbench():
    from aigchip.sim import verify_many

    tasks = [t for t in all_fixture_tasks() if t.solution]
    assert len(tasks) == 8
    verdicts = verify_many([(t.solution_design(), verify_options(t, lint=False)) for t in tasks], jobs=2)
    assert {t.id: v.summary() for t, v in zip(tasks, verdicts) if not v.passed} == {}


BUGS = {"Prob001_and2": ("a & b", "a | b"), "Prob002_count4": ("q + 4'd1", "q + 4'd2"), "adder4": ("a + b", "a - b"),
        "counter8": ("count + 8'd1", "count + 8'd2"), "and_gate": ("a & b", "a ^ b"), "counter": ("4'd9", "4'd8"),
        "and3": ("a & b & c", "a & b"), "parity8": ("^data", "~^data")}
SHIFT4_WRONG_WAY = "module shift4(input clk, input din, output reg [3:0] q);\n  always @(posedge clk) q <= {din, q[3:1]};\nendmodule\n"


@pytest.mark.sim
def test_every_fixture_testbench_fails_a_wrong_design():
    from aigchip.sim import verify_many

    jobs = []
    for task in all_fixture_tasks():
        if not task.solution:
            jobs.append((task.id, Design(files={"shift4.v": SHIFT4_WRONG_WAY}, top="shift4"), task))
            continue
        good = task.solution_design()
        old, new = BUGS[task.id]
        jobs.append((task.id, Design(files={k: v.replace(old, new) for k, v in good.files.items()}, top=good.top), task))
    verdicts = verify_many([(d, verify_options(t, lint=False)) for _, d, t in jobs], jobs=2)
    assert {name: str(v.status) for (name, _, _), v in zip(jobs, verdicts)} == {name: "mismatch" for name, _, _ in jobs}


@pytest.mark.sim
def test_rtllm_testbench_data_file_travels_from_any_working_folder(tmp_path, monkeypatch):
    from aigchip.sim import verify

    monkeypatch.chdir(tmp_path)  # nowhere near the data file
    adder = load(BENCH / "rtllm").task("adder4")
    assert verify(adder.solution_design(), verify_options(adder, lint=False)).passed


def test_a_folder_matching_several_layouts_is_an_error_naming_them():
    with pytest.raises(BenchmarkError, match=r"more than one benchmark layout \(rtllm, vgen, native\)"):
        load(BENCH)


def test_the_bundled_accelbench_loads_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bench = load(Path("accelbench"))
    assert bench.name == "accelbench" and bench.layout == "native" and len(bench.tasks) >= 30
    (tmp_path / "accelbench").mkdir()  # a folder of that name here is the user's, and wins
    with pytest.raises(BenchmarkError, match="empty"):
        load(Path("accelbench"))
    with pytest.raises(BenchmarkError, match="bundled benchmarks, by name: accelbench"):
        load(Path("no-such-bench"))
