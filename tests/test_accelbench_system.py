"""AccelBench system tier: each sys_* task loads with several solution files, names at least four modules and
two unit tests, records its cost, and its reference passes its system test and unit tests under Icarus (and,
for one task, the system test under Verilator)."""

from pathlib import Path

import pytest

from aigchip.sim import VerifyOptions, source, tools, verify
from aigchip.task import GRAINS, from_folder

ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"
SYSTEM = sorted(p.name for p in ACCELBENCH.glob("sys_*") if (p / "task.json").is_file())


@pytest.mark.sim
@pytest.mark.parametrize("task_id", SYSTEM)
def test_system_task_reference_passes_its_tests(task_id: str):
    task = from_folder(ACCELBENCH / task_id)
    assert "system" in task.tags and all(task.spec.get(g, "").strip() for g in GRAINS)
    modules = [m for p in task.solution for m in source.module_names(p.read_text())]
    lines = sum(len(p.read_text().splitlines()) for p in task.solution)
    assert len(modules) >= 4 and 200 <= lines <= 800, f"{task_id}: {len(modules)} modules, {lines} lines"
    assert len(task.unit_tests) >= 2 and {"cells", "cycles_per_job", "job"} <= set(task.cost)
    assert source.module_names(task.interface)[0] == task.top
    design = task.solution_design()
    verdict = verify(design, VerifyOptions(tests=task.tests, use_cache=False, lint=False))
    assert verdict.passed, f"{task_id}: {verdict.summary()}\n{verdict.log[-3000:]}"
    for module, tests in task.unit_tests.items():
        unit = verify(task.solution_design(top=module), VerifyOptions(tests=tests, use_cache=False, lint=False))
        assert unit.passed, f"{task_id} unit test of {module}: {unit.summary()}\n{unit.log[-3000:]}"


@pytest.mark.sim
@pytest.mark.verilator
@pytest.mark.skipif(not tools.available("verilator"), reason="Verilator is not installed")
def test_the_systolic_array_passes_under_verilator():
    task = from_folder(ACCELBENCH / "sys_systolic_ws")
    verdict = verify(task.solution_design(), VerifyOptions(tests=task.tests, simulator="verilator", use_cache=False,
                                                            lint=False))
    assert verdict.passed, verdict.summary()
