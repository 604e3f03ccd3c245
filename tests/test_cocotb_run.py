"""run_cocotb against real Icarus Verilog / Verilator and cocotb, on a small 8-bit accumulator."""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
from pathlib import Path

import pytest

from aigchip.sim import tools
from aigchip.sim.cocotb_run import run_cocotb
from aigchip.sim.types import Design, Status, Verdict
from tests.conftest import processes_mentioning

FIXTURES = Path(__file__).parent / "fixtures" / "cocotb"

HAVE_COCOTB = importlib.util.find_spec("cocotb_tools") is not None
needs_icarus = pytest.mark.skipif(
    not (HAVE_COCOTB and tools.available("iverilog") and tools.available("vvp")),
    reason="needs Icarus Verilog (iverilog, vvp) and cocotb 2.1")
needs_verilator = pytest.mark.skipif(
    not (HAVE_COCOTB and tools.available("verilator") and shutil.which("make") and shutil.which("c++")),
    reason="needs Verilator >= 5.036, make, a C++ compiler and cocotb 2.1")

pytestmark = pytest.mark.sim


def run(tmp_path: Path, design_file: str, tb: str, **kwargs: object) -> tuple[Verdict, Path]:
    """Write fixture `design_file` into a fresh run folder as acc.v (as the caller does) and run `tb`."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    text = (FIXTURES / design_file).read_text()
    (run_dir / "acc.v").write_text(text)
    verdict = run_cocotb(run_dir, Design(files={"acc.v": text}, top="acc"), FIXTURES / tb, **kwargs)
    return verdict, run_dir


def line_of(fixture: str, needle: str) -> int:
    lines = (FIXTURES / fixture).read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if needle in text)


@needs_icarus
def test_correct_design_passes_every_test(tmp_path: Path) -> None:
    verdict, run_dir = run(tmp_path, "acc.v", "tb_acc.py")
    assert verdict.status is Status.PASS, verdict.summary() + "\n" + verdict.log
    assert (verdict.tests_total, verdict.tests_failed) == (2, 0)
    assert verdict.errors == []
    assert verdict.simulator == "icarus" and verdict.checks == ["cocotb"]
    assert "cocotb" in verdict.tools and "iverilog" in verdict.tools
    assert "accumulates_random_inputs passed" in verdict.log  # cocotb's own log reaches the model
    assert (run_dir / "cocotb_test.log").is_file() and (run_dir / "cocotb_results.xml").is_file()
    # the helper module came along, into the private folder the tests import from; sibling HDL fixtures did not
    [private] = run_dir.glob(".aigchip-*")
    assert (private / "acc_model.py").is_file() and not list(run_dir.rglob("acc_buggy.v"))
    assert not (run_dir / "acc_model.py").exists() and ".aigchip-" not in verdict.log
    assert verdict.waveform is None


@needs_icarus
def test_buggy_design_is_a_mismatch_with_the_assertion_message(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc_buggy.v", "tb_acc.py")
    assert verdict.status is Status.MISMATCH, verdict.summary()
    assert (verdict.tests_total, verdict.tests_failed) == (2, 1)
    [diag] = verdict.errors
    assert diag.code == "accumulates_random_inputs" and diag.source == "cocotb"
    assert "cycle 0: sum got 0x44 expected 0xc4" in diag.message
    assert diag.file == "tb_acc.py"
    assert diag.line == line_of("tb_acc.py", "assert got == expected")


@needs_icarus
def test_design_missing_a_port_is_a_sim_error_naming_it(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc_missing_port.v", "tb_acc.py")
    assert verdict.status is Status.SIM_ERROR, verdict.summary()
    assert verdict.tests_failed == 2
    first = verdict.errors[0]
    assert "AttributeError" in first.message and "no child object named en" in first.message
    assert (first.file, first.line) == ("tb_acc.py", line_of("tb_acc.py", "dut.en.value = 0"))


@needs_icarus
def test_syntax_error_is_a_compile_error_with_file_and_line(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc_syntax_error.v", "tb_acc.py")
    assert verdict.status is Status.COMPILE_ERROR, verdict.summary()
    assert verdict.tests_total is None
    first = verdict.errors[0]
    assert first.file == "acc.v" and first.line in (11, 12)  # the `;` is missing at the end of line 11
    assert "syntax error" in first.message
    assert "acc.v:12" in verdict.log and str(tmp_path) not in verdict.log


@needs_icarus
def test_extra_sources_are_copied_and_compiled(tmp_path: Path) -> None:
    ref = tmp_path / "ref_model.v"
    ref.write_text("module ref_model(input wire a, output wire b);\n  assign b = a\nendmodule\n")
    verdict, run_dir = run(tmp_path, "acc.v", "tb_acc.py", extra_sources=[ref])
    assert [p.parent.name[:8] for p in run_dir.rglob("ref_model.v")] == [".aigchip"]  # where the design cannot read it
    assert verdict.status is Status.COMPILE_ERROR, verdict.summary()
    assert verdict.errors[0].file == "ref_model.v"


@needs_icarus
def test_cocotb_sim_time_timeout_is_a_timeout(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc.v", "tb_acc_simtimeout.py")
    assert verdict.status is Status.TIMEOUT, verdict.summary()
    [diag] = verdict.errors
    assert diag.code == "sum_reaches_0x55" and "SimTimeoutError" in diag.message
    assert "1000 ns" in diag.message


@needs_icarus
def test_hanging_test_is_stopped_at_the_wall_clock_limit_and_leaves_nothing_running(tmp_path: Path) -> None:
    start = time.monotonic()
    verdict, run_dir = run(tmp_path, "acc.v", "tb_acc_hang.py", timeout=5)
    elapsed = time.monotonic() - start
    assert verdict.status is Status.TIMEOUT, verdict.summary()
    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert "ran past 5 s" in verdict.errors[0].message
    assert "running tb_acc_hang.waits_forever" in verdict.log
    time.sleep(0.2)
    assert processes_mentioning(str(run_dir)) == []


@needs_icarus
def test_test_module_that_exits_at_import_is_a_sim_error(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc.v", "tb_acc_exit.py")
    assert verdict.status is Status.SIM_ERROR, verdict.summary()
    assert "without cocotb results" in verdict.errors[0].message


@needs_icarus
def test_design_without_timescale_uses_the_given_timescale(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc_no_timescale.v", "tb_acc.py")
    assert verdict.status is Status.PASS, verdict.summary() + "\n" + verdict.log
    assert verdict.tests_total == 2


@needs_icarus
def test_waves_record_a_vcd(tmp_path: Path) -> None:
    verdict, run_dir = run(tmp_path, "acc.v", "tb_acc.py", waves=True)
    assert verdict.status is Status.PASS, verdict.summary()
    assert verdict.waveform == str((run_dir / "acc.vcd").resolve())
    text = Path(verdict.waveform).read_text()
    assert text.startswith("$date") and "$timescale" in text and "$var" in text and "sum" in text
    assert not list(run_dir.rglob("*.fst"))


@needs_icarus
def test_missing_simulator_raises_tool_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # the child cannot find iverilog
    with pytest.raises(tools.ToolMissing):
        run(tmp_path, "acc.v", "tb_acc.py")


@needs_verilator
@pytest.mark.verilator
def test_verilator_passes_the_same_tests_and_records_a_vcd(tmp_path: Path) -> None:
    verdict, _run_dir = run(tmp_path, "acc.v", "tb_acc.py", simulator="verilator", waves=True)
    assert verdict.status is Status.PASS, verdict.summary() + "\n" + verdict.log
    assert (verdict.tests_total, verdict.tests_failed) == (2, 0)
    assert verdict.simulator == "verilator" and "verilator" in verdict.tools
    assert verdict.waveform and os.path.getsize(verdict.waveform) > 0
    text = Path(verdict.waveform).read_text()
    assert "$timescale" in text and "$var" in text and "$enddefinitions" in text


@needs_verilator
@pytest.mark.verilator
def test_verilator_reports_a_buggy_design_as_a_mismatch(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc_buggy.v", "tb_acc.py", simulator="verilator")
    assert verdict.status is Status.MISMATCH, verdict.summary() + "\n" + verdict.log
    assert "cycle 0: sum got 0x44 expected 0xc4" in verdict.errors[0].message


@needs_verilator
@pytest.mark.verilator
def test_verilator_registers_start_random_so_a_dropped_reset_fails_and_fails_alike(tmp_path: Path) -> None:
    """Verilator would start `sum` at 0, the value the dropped reset should have set: with --x-initial unique
    and a fixed seed it starts elsewhere, the same place every run."""
    text = (FIXTURES / "acc.v").read_text().replace("        if (rst)\n            sum <= 8'd0;\n        else if (en)",
                                                    "        if (en)")
    assert "rst)" not in text.split("always")[1]
    messages = []
    for sub in ("first", "second"):
        run_dir = tmp_path / sub
        run_dir.mkdir()
        (run_dir / "acc.v").write_text(text)
        verdict = run_cocotb(run_dir, Design(files={"acc.v": text}, top="acc"), FIXTURES / "tb_acc.py", simulator="verilator")
        assert verdict.status is Status.MISMATCH, verdict.summary() + "\n" + verdict.log
        messages.append(verdict.errors[0].message)
    assert messages[0] == messages[1] and "cycle 0: sum got" in messages[0]


@needs_verilator
@pytest.mark.verilator
def test_verilator_syntax_error_is_a_compile_error(tmp_path: Path) -> None:
    verdict, _ = run(tmp_path, "acc_syntax_error.v", "tb_acc.py", simulator="verilator")
    assert verdict.status is Status.COMPILE_ERROR, verdict.summary()
    first = verdict.errors[0]
    assert (first.file, first.line, first.source) == ("acc.v", 12, "verilator")
