"""`aigchip regress` over design folders that `generate --out` wrote (scripted model, no LLM)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from aigchip.record import Record, check_options
from aigchip.regress import RegressError, junit_xml, regress

BENCH = Path(__file__).parent / "fixtures" / "bench"


def aigchip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ.copy())


def generated(root: Path) -> Path:
    """Two design folders as `generate --out` writes them, each holding its task's solution as the design."""
    from aigchip.bench.adapters import load
    from aigchip.config import RunConfig
    from aigchip.generate import generate
    from aigchip.models.local import ScriptedModel

    for task in load(BENCH / "native").tasks:
        code = task.solution[0].read_text()
        config = RunConfig(model="scripted", demos=0, lint=False, cache=False)
        _, _, summary = generate(task, config, out_dir=root / task.id,
                                 model=ScriptedModel([f"Here it is.\n\n```verilog\n{code}\n```\n"]))
        assert summary["status"] == "pass"
    return root


def break_design(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def set_recorded_status(folder: Path, status: str) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta["verdict"]["status"] = status
    (folder / "meta.json").write_text(json.dumps(meta))


@pytest.fixture
def designs(tmp_path: Path) -> Path:
    return generated(tmp_path / "designs")


@pytest.mark.sim
def test_untouched_designs_still_pass(designs):
    report = regress(designs)
    assert [(r.dir, r.recorded, r.now, r.outcome) for r in report.results] == [
        (f"{designs.as_posix()}/and3", "pass", "pass", "pass"), (f"{designs.as_posix()}/parity8", "pass", "pass", "pass")]
    assert report.exit_code() == 0 and report.regressions == []
    root = ET.fromstring(junit_xml(report))
    assert root.find("testsuite").get("tests") == "2" and root.find("testsuite").get("failures") == "0"


@pytest.mark.sim
def test_a_broken_design_is_a_regression_named_in_the_junit_report(designs):
    break_design(designs / "and3", "and3.v", "a & b & c", "a & b")
    report = regress(designs)
    assert report.regressions == [f"{designs.as_posix()}/and3"] and report.exit_code() == 1
    broken = report.results[0]
    assert broken.now == "mismatch" and "1 failures" in broken.summary and broken.diagnostics
    cases = {case.get("name"): case for case in ET.fromstring(junit_xml(report)).iter("testcase")}
    failure = cases[f"{designs.as_posix()}/and3"].find("failure")
    assert failure is not None and failure.get("message").startswith("mismatch")
    assert "recorded: pass" in failure.text and cases[f"{designs.as_posix()}/parity8"].find("failure") is None


@pytest.mark.sim
def test_fixed_and_known_failures_are_told_apart_and_do_not_fail_the_run(designs):
    set_recorded_status(designs / "parity8", "mismatch")  # recorded a failure, passes now
    set_recorded_status(designs / "and3", "compile_error")  # recorded a failure, still fails
    break_design(designs / "and3", "and3.v", "a & b & c", "a & b")
    report = regress(designs)
    assert report.to_json()["fixed"] == [f"{designs.as_posix()}/parity8"]
    assert report.to_json()["known_failures"] == [f"{designs.as_posix()}/and3"]
    assert report.exit_code() == 0
    cases = list(ET.fromstring(junit_xml(report)).iter("testcase"))
    assert cases[0].find("skipped") is not None and cases[1].find("failure") is None


@pytest.mark.sim
def test_a_deleted_design_file_is_a_regression_and_a_deleted_check_is_an_error(designs):
    (designs / "and3" / "and3.v").unlink()
    (designs / "parity8" / "checks" / "ref_parity8.sv").unlink()
    report = regress(designs)
    gone, unchecked = report.results
    assert gone.outcome == "regression" and gone.now == "no_code" and "and3.v" in gone.summary
    assert unchecked.outcome == "error" and "ref_parity8.sv" in unchecked.summary
    assert report.exit_code() == 1  # a regression outranks a check that could not run


@pytest.mark.sim
def test_cli_json_contract_and_junit_file(designs, tmp_path):
    break_design(designs / "parity8", "parity8.v", "^data", "~^data")
    junit = tmp_path / "reports" / "regress.xml"
    result = aigchip("regress", str(designs), "--junit", str(junit), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["designs"] == 2 and report["regressions"] == [f"{designs}/parity8"]
    assert report["fixed"] == [] and report["known_failures"] == []
    for row in report["results"]:
        assert {"dir", "recorded", "now", "summary"} <= set(row)
    assert report["results"][1]["now"] == "mismatch" and "100 mismatches" in report["results"][1]["summary"]
    failures = [c.get("name") for c in ET.parse(junit).iter("testcase") if c.find("failure") is not None]
    assert failures == [f"{designs}/parity8"]


@pytest.mark.sim
def test_cli_passes_with_exit_0_and_a_readable_report(designs):
    result = aigchip("regress", str(designs), "--sim", "icarus")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 designs: 0 regressions" in result.stdout and "and3" in result.stdout


def test_cli_usage_errors_exit_2(tmp_path):
    missing = aigchip("regress", str(tmp_path / "nowhere"), "--json")
    assert missing.returncode == 2 and missing.stdout == "" and "Traceback" not in missing.stderr
    empty = aigchip("regress", str(tmp_path), "--json")
    assert empty.returncode == 2 and json.loads(empty.stdout)["designs"] == 0
    assert "no design folder" in empty.stderr
    with pytest.raises(RegressError, match="no such folder"):
        regress(tmp_path / "nowhere")


def test_an_unreadable_meta_json_is_reported_and_other_json_is_ignored(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "meta.json").write_text("{truncated")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "meta.json").write_text('{"benchmark": "not a design folder"}')
    report = regress(tmp_path)
    assert report.results == [] and len(report.problems) == 1 and "a/meta.json" in report.problems[0]
    assert report.exit_code() == 2


def record(tmp_path: Path, checks: dict) -> Record:
    for name in ("tb.v", "test_x.py", "../outside.v"):
        (tmp_path / "checks" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "checks" / name).write_text("")
    meta = {"top": "x", "files": ["x.v"], "checks": checks, "config": {"simulator": "verilator", "sim_timeout": 9}}
    return Record(tmp_path, "x", meta, "pass")


def test_self_tests_count_only_without_golden_tests(tmp_path):
    own = check_options(record(tmp_path, {"testbench": [], "tests": None, "self_tests": "checks/test_x.py"}))
    assert own.tests == (tmp_path / "checks" / "test_x.py").resolve() and own.testbench == ()
    assert own.simulator == "verilator" and own.timeout == 9 and own.use_cache is False
    golden = check_options(record(tmp_path, {"testbench": ["checks/tb.v"], "self_tests": "checks/test_x.py"}),
                           simulator="icarus")
    assert golden.tests is None and golden.testbench == ((tmp_path / "checks" / "tb.v").resolve(),)
    assert golden.simulator == "icarus"


def test_recorded_paths_must_stay_inside_the_design_folder(tmp_path):
    escaped = record(tmp_path, {"testbench": ["../outside.v"]})
    options = check_options(escaped)
    assert options.testbench == () and "outside the design folder" in escaped.check_problems[0]
