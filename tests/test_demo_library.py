"""Every bundled demo passes its own cocotb test on Icarus, and Verilator accepts it (runs in CI)."""

from pathlib import Path

import pytest

from aigchip.sim import Design, VerifyOptions, verify

LIBRARY = Path(__file__).parent.parent / "datasets" / "demos"
FOLDERS = sorted(p for p in LIBRARY.iterdir() if (p / "descriptions.json").is_file())

pytestmark = pytest.mark.sim


def test_library_is_not_empty():
    assert len(FOLDERS) >= 12


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_demo_passes_its_own_test(folder: Path):
    (design_file,) = sorted(folder.glob("*.v"))
    tests = folder / f"test_{design_file.stem}.py"
    assert tests.is_file(), f"{folder.name}: no {tests.name}"
    verdict = verify(Design.from_paths([design_file], top=design_file.stem), VerifyOptions(tests=tests, use_cache=False))
    assert verdict.passed, f"{folder.name}: {verdict.summary()}\n{verdict.log[-3000:]}"
    assert verdict.tests_total and not verdict.tests_failed
    rejected = [d.render() for d in verdict.diagnostics if "Verilator rejects" in d.message]
    assert not rejected, f"{folder.name}: {rejected}"
