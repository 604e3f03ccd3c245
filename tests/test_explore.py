"""`aigchip explore`: each point of a parameter sweep checked by the real simulator with the parameter set,
costed by real yosys with the same parameter, its cycles per job measured by its test; the Pareto front of
area against cycles; failures listed and kept off the front; points kept as they finish and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aigchip.explore import front, space, sweep
from aigchip.sim import Design, VerifyOptions, verify
from tests.conftest import processes_mentioning
from tests.test_cli import aigchip

FIXTURE = Path(__file__).parent / "fixtures" / "explore"
DOT = Path(__file__).parent.parent / "datasets" / "accelbench" / "dot_product_4lane"
KEYS = {"design", "kind", "top", "parameters", "defaults", "space_size", "sampled", "checked", "resumed",
        "interrupted", "points", "front", "settings", "wall_time_s"}
POINT_KEYS = {"label", "params", "status", "summary", "cost", "latency_cycles", "pareto", "tests", "duration_s",
              "cached", "fingerprint"}


def _explore(*args: str) -> subprocess.CompletedProcess:
    return aigchip("explore", *args)


def test_the_front_of_a_hand_checked_example():
    # (area, cycles): B beats C on both; D ties B exactly (both stay); A is smallest; E is fastest but failed;
    # F has A's area and more cycles (beaten by A)
    points = [{"label": name, "status": status, "cost": {"luts": area}, "latency_cycles": cycles}
              for name, status, area, cycles in (("A", "pass", 10, 100), ("B", "pass", 20, 50), ("C", "pass", 30, 60),
                                                 ("D", "pass", 20, 50), ("E", "mismatch", 5, 5), ("F", "pass", 10, 120),
                                                 ("G", "pass", 40, 20))]
    described = front.mark(points)
    assert {p["label"] for p in points if p["pareto"]} == {"A", "B", "D", "G"}
    assert described["area"] == "luts" and described["points"] == ["G", "B", "D", "A"]  # by cycles
    assert front.pareto([("x", 1, 2), ("y", 2, 1), ("z", 2, 2)]) == ["x", "y"]


def test_area_falls_back_to_cells_and_fmax_gives_a_time_front():
    points = [{"label": "a", "status": "pass", "cost": {"cells": 10, "fmax_mhz": 100.0}, "latency_cycles": 10},
              {"label": "b", "status": "pass", "cost": {"cells": 20, "fmax_mhz": 50.0}, "latency_cycles": 8}]
    described = front.mark(points)
    assert described["area"] == "cells" and described["points"] == ["b", "a"]
    # a job takes 100 ns on a, 160 ns on b: b is slower per job and bigger
    assert described["time_points"] == ["a"] and points[1]["pareto_time"] is False


def test_param_values_and_unknown_names_are_usage_errors():
    assert space.parse_values("N=2,4, 8") == ("N", [2, 4, 8])
    assert space.parse_values("N=2..8:2") == ("N", [2, 4, 6, 8])
    with pytest.raises(space.SpaceError, match="not an integer"):
        space.parse_values("N=2,four")
    with pytest.raises(space.SpaceError, match=r"no parameter 'LANES'; its parameters: N \(default 4\)"):
        space.axes(["LANES=1,2"], {"N": 4}, "pair_sum")
    chosen, size = space.points({"N": [1, 2, 3, 4, 5], "M": [1, 2]}, budget=4, seed=3)
    assert size == 10 and len(chosen) == 4 and chosen[0] == {"N": 1, "M": 1} and chosen[-1] == {"N": 5, "M": 2}


def test_an_unknown_parameter_names_the_ones_that_exist():
    result = _explore(str(DOT), "--param", "LANES=1,2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no parameter 'LANES'" in result.stderr and "N (default 4)" in result.stderr


@pytest.mark.sim
@pytest.mark.synth
def test_parameters_reach_the_simulator_and_yosys():
    design = Design.from_paths([FIXTURE / "pair_sum.v"], top="pair_sum")
    options = VerifyOptions(tests=FIXTURE / "test_pair_sum.py", use_cache=False, lint=False, synth=True)
    two, five = (verify(design, options.model_copy(update={"parameters": (("N", n),)})) for n in (2, 5))
    assert two.passed and two.cost["latency_cycles"] == 6  # 12 values, 2 a cycle
    assert five.status == "mismatch" and "N=5" in five.summary()  # the odd lane is dropped, the test sees N=5
    assert five.cost["cells"] > two.cost["cells"]


@pytest.mark.sim
@pytest.mark.synth
def test_a_sweep_of_an_accelbench_task_grows_in_area_and_drops_in_cycles(tmp_path: Path):
    result = _explore(str(DOT), "--param", "N=2,4,8", "--json", "--jobs", "2", "--no-lint", "--out",
                      str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert set(found) >= KEYS and found["top"] == "dot_product_4lane" and found["kind"] == "task"
    points = found["points"]
    assert [p["params"] for p in points] == [{"N": 2}, {"N": 4}, {"N": 8}]
    assert all(set(p) >= POINT_KEYS and p["status"] == "pass" for p in points)
    for figure in ("luts", "dsps", "cells", "ffs"):
        values = [p["cost"][figure] for p in points]
        assert values == sorted(values) and values[0] < values[-1], (figure, values)
    assert [p["latency_cycles"] for p in points] == [17, 9, 5]  # 32-element job: 32/N beats + 1
    assert found["front"]["area"] == "luts" and found["front"]["points"] == ["N=8", "N=4", "N=2"]
    saved = json.loads((tmp_path / "out" / "explore.json").read_text())
    assert saved["points"] == points
    assert sorted(p.name for p in (tmp_path / "out" / "points").iterdir()) == ["N=2.json", "N=4.json", "N=8.json"]
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<svg" in page and "N=8" in page and "<script" not in page and "https://" not in page


@pytest.mark.sim
@pytest.mark.synth
def test_a_failing_point_is_listed_and_kept_off_the_front(tmp_path: Path):
    result = _explore(str(FIXTURE / "pair_sum.v"), "--tests", str(FIXTURE / "test_pair_sum.py"), "--param",
                      "N=2,3,4", "--json", "--no-lint", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    points = {p["label"]: p for p in json.loads(result.stdout)["points"]}
    assert points["N=3"]["status"] == "mismatch" and not points["N=3"]["pareto"]
    assert "expected" in points["N=3"]["summary"]
    assert points["N=2"]["pareto"] and points["N=4"]["pareto"]
    assert points["N=2"]["latency_cycles"] == 6 and points["N=4"]["latency_cycles"] == 3
    table = _explore(str(FIXTURE / "pair_sum.v"), "--tests", str(FIXTURE / "test_pair_sum.py"), "--param",
                     "N=2,3,4", "--no-lint")  # the verdicts are cached now: the table only
    assert table.returncode == 0
    assert "N=3 mismatch" in table.stdout and "Pareto front (luts against cycles per job): N=4, N=2" in table.stdout


@pytest.mark.sim
@pytest.mark.synth
def test_resume_skips_the_points_done_and_a_second_run_without_it_loses_nothing(tmp_path: Path):
    out = tmp_path / "out"
    args = [str(FIXTURE / "pair_sum.v"), "--tests", str(FIXTURE / "test_pair_sum.py"), "--no-lint", "--no-cache",
            "--json", "--out", str(out)]
    first = _explore(*args, "--param", "N=2,4")
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_text() for p in (out / "points").iterdir()}
    again = _explore(*args, "--param", "N=2,4,6")
    assert again.returncode == 2 and "--resume" in again.stderr
    assert {p.name: p.read_text() for p in (out / "points").iterdir()} == before
    resumed = _explore(*args, "--param", "N=2,4,6", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    found = json.loads(resumed.stdout)
    assert found["resumed"] == 2 and found["checked"] == 3
    assert [p.get("resumed", False) for p in found["points"]] == [True, True, False]
    assert (out / "points" / "N=2.json").read_text() == before["N=2.json"]  # not run again


@pytest.mark.sim
@pytest.mark.synth
def test_a_killed_run_keeps_its_finished_points(tmp_path: Path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "aigchip.cli", "explore", str(FIXTURE / "pair_sum.v"), "--tests",
            str(FIXTURE / "test_pair_sum.py"), "--no-lint", "--no-cache", "--jobs", "1", "--param", "N=2,4,6,8",
            "--out", str(out)]
    runs = tmp_path / "runs"  # the tools' run folders: every tool's command line names one
    runs.mkdir()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "TMPDIR": str(runs)})
    try:
        deadline = time.monotonic() + 240
        while not list((out / "points").glob("*.json")) and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        child.kill()  # aigchip alone: the point in flight must not outlive it
    finally:
        child.wait(timeout=30)
    deadline = time.monotonic() + 15
    while processes_mentioning(str(runs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not processes_mentioning(str(runs)), processes_mentioning(str(runs))
    kept = sorted(p.stem for p in (out / "points").glob("*.json"))
    assert kept and len(kept) < 4, kept
    resumed = _explore(*args[4:], "--resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    found = json.loads(resumed.stdout)
    assert found["resumed"] == len(kept) and found["checked"] == 4
    assert all(p["status"] == "pass" for p in found["points"])
    assert {p["label"] for p in found["points"] if p.get("resumed")} == set(kept)


@pytest.mark.sim
@pytest.mark.synth
def test_on_ray_each_point_is_a_ray_task(tmp_path: Path):
    pytest.importorskip("ray")
    result = _explore(str(FIXTURE / "pair_sum.v"), "--tests", str(FIXTURE / "test_pair_sum.py"), "--param", "N=2,3",
                      "--no-lint", "--no-cache", "--json", "--ray", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["settings"]["executor"] == "ray"
    assert [p["status"] for p in found["points"]] == ["pass", "mismatch"]
    assert found["points"][0]["latency_cycles"] == 6


@pytest.mark.sim
def test_a_verilog_testbench_takes_the_parameters_on_its_top():
    design = Design.from_paths([FIXTURE / "pair_sum.v"], top="pair_sum")
    options = VerifyOptions(testbench=(FIXTURE / "tb_pair_sum.v",), use_cache=False, lint=False)
    results = {n: verify(design, options.model_copy(update={"parameters": (("N", n),)})) for n in (2, 3)}
    assert results[2].passed, results[2].summary()
    assert results[3].status == "mismatch" and results[3].mismatches == 20


@pytest.mark.verilator
def test_verilator_takes_the_parameters_too():
    design = Design.from_paths([FIXTURE / "pair_sum.v"], top="pair_sum")
    options = VerifyOptions(testbench=(FIXTURE / "tb_pair_sum.v",), use_cache=False, lint=False,
                            simulator="verilator")
    assert verify(design, options).passed  # N = 4 by default
    odd = verify(design, options.model_copy(update={"parameters": (("N", 3),)}))
    assert odd.status == "mismatch", odd.summary()
    cocotb = VerifyOptions(tests=FIXTURE / "test_pair_sum.py", use_cache=False, lint=False, simulator="verilator",
                           parameters=(("N", 3),))
    odd = verify(design, cocotb)
    assert odd.status == "mismatch" and "N=3" in odd.summary(), odd.summary()  # the test read N = 3 from the model


@pytest.mark.sim
@pytest.mark.synth
def test_a_spent_time_budget_lists_points_not_run_and_resume_runs_them(tmp_path: Path):
    out = tmp_path / "out"
    args = [str(FIXTURE / "pair_sum.v"), "--tests", str(FIXTURE / "test_pair_sum.py"), "--param", "N=2,4",
            "--no-lint", "--json", "--out", str(out)]
    spent = _explore(*args, "--time-budget", "0")
    assert spent.returncode == 1, spent.stderr  # no point passed: none ran
    found = json.loads(spent.stdout)
    assert [p["status"] for p in found["points"]] == ["not_run", "not_run"] and found["checked"] == 0
    assert not list(out.glob("points/*.json"))  # nothing recorded as done: --resume runs them
    resumed = _explore(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert [p["status"] for p in json.loads(resumed.stdout)["points"]] == ["pass", "pass"]


@pytest.mark.sim
@pytest.mark.synth
def test_ctrl_c_keeps_the_finished_points_and_says_it_was_interrupted(tmp_path: Path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "aigchip.cli", "explore", str(FIXTURE / "pair_sum.v"), "--tests",
            str(FIXTURE / "test_pair_sum.py"), "--no-lint", "--no-cache", "--jobs", "1", "--param", "N=2,4,6,8",
            "--out", str(out)]
    runs = tmp_path / "runs"
    runs.mkdir()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(runs)})
    deadline = time.monotonic() + 240
    while not list((out / "points").glob("*.json")) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.1)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130 and "interrupted" in err and "--resume" in err, err
    found = json.loads((out / "explore.json").read_text())
    kept = sorted(p.stem for p in (out / "points").glob("*.json"))
    assert found["interrupted"] and [p["label"] for p in found["points"]] == kept and len(kept) < 4
    deadline = time.monotonic() + 15
    while processes_mentioning(str(runs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not processes_mentioning(str(runs)), processes_mentioning(str(runs))  # the point in flight is gone


@pytest.mark.sim
@pytest.mark.synth
def test_verify_param_sets_one_point_and_names_the_parameters_that_exist():
    solution, tests = str(DOT / "dot_product_4lane.v"), str(DOT / "test_dot_product_4lane.py")
    result = aigchip("verify", solution, "--tests", tests, "--param", "N=2", "--synth", "--no-lint", "--json")
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["cost"]["latency_cycles"] == 17 and verdict["cost"]["cells"] < 2000  # N = 4 has 2094 cells
    wrong = aigchip("verify", solution, "--param", "LANES=2")
    assert wrong.returncode == 2 and "no parameter 'LANES'; its parameters: N (default 4)" in wrong.stderr


def test_a_run_folder_and_a_task_folder_give_their_design_and_checks(tmp_path: Path):
    run = tmp_path / "run"
    (run / "checks").mkdir(parents=True)
    (run / "pair_sum.v").write_text((FIXTURE / "pair_sum.v").read_text())
    (run / "checks" / "test_pair_sum.py").write_text((FIXTURE / "test_pair_sum.py").read_text())
    (run / "meta.json").write_text(json.dumps({"top": "pair_sum", "files": ["pair_sum.v"],
                                               "checks": {"tests": "checks/test_pair_sum.py"}}))
    subject = space.load(run)
    assert subject.kind == "run" and subject.design.top == "pair_sum" and subject.defaults == {"N": 4}
    assert subject.tests == (run / "checks" / "test_pair_sum.py").resolve()
    assert not subject.tests_by_model
    (run / "meta.json").write_text(json.dumps({"top": "pair_sum", "files": ["pair_sum.v"],
                                               "checks": {"self_tests": "checks/test_pair_sum.py"}}))
    mine = space.load(run)  # the model wrote these tests: they run as model code (alone, in the sandbox)
    assert mine.tests_by_model and sweep.options_for(mine, sweep.Settings(), {"N": 2}).tests_by_model
    task = space.load(DOT)
    assert task.kind == "task" and task.tests is not None and task.tests.name == "test_dot_product_4lane.py"
    with pytest.raises(space.SpaceError, match="does not exist"):
        space.load(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(space.SpaceError, match="no Verilog"):
        space.load(tmp_path / "empty")
