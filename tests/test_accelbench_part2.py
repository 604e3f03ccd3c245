"""AccelBench part 2 (compute arrays, convolution and pooling, reductions, address generation and control):
every task folder loads in the native format with all three spec grains, fixes an interface declaring exactly
its top module, and its reference solution passes its own seeded cocotb tests on Icarus."""

import json
import re
from pathlib import Path

import pytest

from aigchip.task import GRAINS, from_folder
from aigchip.sim import Design, VerifyOptions, source, verify

ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"
TASKS = [
    "dot_product_4lane", "systolic_os_3x3", "systolic_ws_2x2", "matvec_engine", "conv1d_k3",
    "conv3x3_window", "depthwise_conv3", "maxpool2x2", "avgpool4", "argmax8",
    "topk_stream", "tile_addr_gen", "nested_loop_ctr", "csr_block", "ctrl_fsm_startdone",
]
CATEGORIES = {"arithmetic", "activation", "quantisation", "data_movement", "compute_array", "control"}
DIFFICULTIES = {"easy", "medium", "hard"}

pytestmark = pytest.mark.sim


@pytest.mark.parametrize("task_id", TASKS)
def test_task_folder_is_well_formed(task_id: str):
    folder = ACCELBENCH / task_id
    task = from_folder(folder)
    assert task.id == task_id
    for grain in GRAINS:
        assert task.spec.get(grain, "").strip(), f"{task_id}: spec grain {grain!r} is empty"
    assert len(task.spec["detailed"]) > len(task.spec["high_level"]), f"{task_id}: detailed spec shorter than high_level"
    assert source.module_names(task.interface) == [task.top], f"{task_id}: interface declares {source.module_names(task.interface)}"
    assert task.interface.rstrip().endswith(");"), f"{task_id}: the interface must end at the port list"
    assert "endmodule" not in task.interface, f"{task_id}: the interface must be the header only"
    assert task.tests is not None and task.tests.name == f"test_{task.top}.py", f"{task_id}: tests {task.tests}"
    assert len(task.solution) == 1 and task.top in source.module_names(task.solution[0].read_text())
    assert task.source == "aigchip AccelBench" and task.licence == "Apache-2.0"
    tags = set(task.tags)
    assert len(tags & CATEGORIES) == 1 and len(tags & DIFFICULTIES) == 1, f"{task_id}: tags {task.tags}"
    meta = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    assert meta["interface"] == "interface.v"
    code = task.solution[0].read_text(encoding="utf-8")
    for banned in (r"\$display", r"\$finish", r"\$fopen", r"\$readmem", r"\binitial\b"):
        assert not re.search(banned, code), f"{task_id}: the reference solution uses {banned}"
    assert "random.Random(" in task.tests.read_text(encoding="utf-8"), f"{task_id}: stimulus must come from a fixed seed"


@pytest.mark.parametrize("task_id", TASKS)
def test_reference_solution_passes_its_tests(task_id: str):
    task = from_folder(ACCELBENCH / task_id)
    verdict = verify(Design.from_paths(list(task.solution), top=task.top), VerifyOptions(tests=task.tests, use_cache=False))
    assert verdict.passed, f"{task_id}: {verdict.summary()}\n{verdict.log[-3000:]}"
    assert verdict.tests_total and not verdict.tests_failed
    rejected = [d.render() for d in verdict.diagnostics if "Verilator rejects" in d.message]
    assert not rejected, f"{task_id}: {rejected}"
