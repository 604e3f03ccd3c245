"""AccelBench part 1: each of these task folders loads in the native format, describes itself at all three grains,
fixes an interface whose module is the task's top, and its reference solution passes its own cocotb tests."""

from pathlib import Path

import pytest

from aigchip.task import GRAINS, from_folder
from aigchip.sim import Design, VerifyOptions, source, verify

ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"
TASKS = [
    "int8_mac_sat", "fxp_mul_round", "adder_tree8", "popcount32", "bf16_mul",
    "relu6_s8", "leaky_relu_fxp", "pwl_sigmoid", "requant_s32_s8", "int4_pack_unpack",
    "sync_fifo_fwft", "skid_buffer_vr", "line_buffer3", "width_conv_8to32", "pingpong_buf",
]
CATEGORIES = {"arithmetic", "activation", "quantisation", "data_movement", "compute_array", "control"}
DIFFICULTIES = {"easy", "medium", "hard"}

pytestmark = pytest.mark.sim


@pytest.mark.parametrize("task_id", TASKS)
def test_task_loads_and_its_solution_passes(task_id: str):
    task = from_folder(ACCELBENCH / task_id)
    assert task.id == task_id
    for grain in GRAINS:
        assert task.spec.get(grain, "").strip(), f"{task_id}: spec grain {grain!r} is empty"
    assert source.module_names(task.interface) == [task.top], f"{task_id}: the interface does not declare {task.top}"
    assert task.interface.rstrip().endswith(");"), f"{task_id}: the interface must end at the port list"
    assert task.tests is not None and task.tests.name == f"test_{task.top}.py"
    assert len(task.solution) == 1 and task.source == "aigchip AccelBench" and task.licence == "Apache-2.0"
    assert len(set(task.tags) & CATEGORIES) == 1 and len(set(task.tags) & DIFFICULTIES) == 1, f"{task_id}: tags {task.tags}"
    code = task.solution[0].read_text()
    assert "$display" not in code and "$finish" not in code and "$fopen" not in code, f"{task_id}: solution not synthesizable-only"

    verdict = verify(Design.from_paths(list(task.solution), top=task.top), VerifyOptions(tests=task.tests, use_cache=False))
    assert verdict.passed, f"{task_id}: {verdict.summary()}\n{verdict.log[-3000:]}"
    assert verdict.tests_total and not verdict.tests_failed
    rejected = [d.render() for d in verdict.diagnostics if "Verilator rejects" in d.message]
    assert not rejected, f"{task_id}: {rejected}"
