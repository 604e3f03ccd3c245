"""Evaluation that reports the truth: pre-flight reference checks (simulator fallback, tasks left out, both
denominators), stop reasons said in words, per-iteration figures for iterations that ran, cached replies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.bench import preflight
from aigchip.bench.adapters import load
from aigchip.bench.runner import IDENTITY, EvalError, run_eval
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.loopback import Loopback, Response
from aigchip.sim.types import Status, Verdict

FIXTURES = Path(__file__).parent / "fixtures" / "evaltruth"
ADD4 = (FIXTURES / "add4" / "add4.v").read_text()
ADD4_WRONG = ADD4.replace("a + b", "a | b")


def fenced(code: str) -> str:
    return f"Here it is.\n\n```verilog\n{code}\n```\n"


def bench_of(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "bench"
    for name in names:
        shutil.copytree(FIXTURES / name, root / name)
    return root


def aigchip(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def by_content(pairs, jobs=1):
    """Pass exactly the designs that add (no simulator needed)."""
    return [Verdict(status=Status.PASS if "a + b" in "".join(d.files.values()) else Status.MISMATCH) for d, _ in pairs]


# -- pre-flight --------------------------------------------------------------------------------------------

def test_a_task_whose_reference_fails_is_not_run_and_both_denominators_are_given(tmp_path):
    root = bench_of(tmp_path, "add4")
    broken = root / "add4_broken"
    shutil.copytree(FIXTURES / "add4", broken)
    (broken / "add4.v").write_text(ADD4_WRONG)
    (broken / "task.json").write_text((broken / "task.json").read_text().replace('"id": "add4"', '"id": "add4_broken"'))
    asked: list[str] = []
    notices: list[str] = []

    def model(task, sample):
        asked.append(task.id)
        return ScriptedModel([fenced(ADD4)])

    summary = run_eval(load(root), RunConfig(model="scripted", demos=0, max_iters=1, lint=False, cache=False),
                       samples=2, ks=[1, 2], out_dir=tmp_path / "out", model_factory=model, check=by_content,
                       notify=notices.append)
    assert set(asked) == {"add4"}  # no model call for a task nobody can pass
    assert summary["reference_failures"][0]["task"] == "add4_broken"
    assert summary["reference_failures"][0]["status"] == "mismatch"
    assert summary["denominators"] == {"sound_tasks": 1, "all_tasks": 2}
    assert summary["pass_at_k"] == {"1": 1.0, "2": 1.0} and summary["pass_at_k_all_tasks"] == {"1": 0.5, "2": 0.5}
    assert summary["preflight"]["unsound"] == 1 and summary["samples"]["expected"] == 2
    assert any(line.startswith("  add4_broken: a benchmark problem, left out of pass@k") for line in notices)
    assert json.loads((tmp_path / "out" / "preflight.json").read_text())["add4_broken"]["state"] == "unsound"


def test_no_other_simulator_installed_is_said():
    task = load(FIXTURES).task("gray_next")
    config = RunConfig(model="scripted", simulator="icarus", cache=False)
    found = preflight.check_references(
        [task], config, jobs=1, other_installed=lambda sim: False,
        check=lambda pairs, jobs=1: [Verdict(status=Status.COMPILE_ERROR) for _ in pairs])
    assert found["gray_next"]["state"] == "unsound"
    assert "verilator is not installed to try it" in found["gray_next"]["message"]


def test_a_subset_folder_with_the_upstream_problem_list_gives_one_line(tmp_path):
    root = tmp_path / "ve"
    root.mkdir()
    for suffix in ("prompt.txt", "ref.sv", "test.sv"):
        (root / f"Prob001_zero_{suffix}").write_text("module TopModule(output zero); assign zero = 0; endmodule\n")
    (root / "problems.txt").write_text("\n".join(["Prob001_zero", *(f"Prob{n:03d}_gone" for n in range(2, 120))]))
    bench = load(root)
    assert [t.id for t in bench.tasks] == ["Prob001_zero"]
    assert len(bench.problems) == 1 and "118 listed problem(s) have no files" in bench.problems[0]


@pytest.mark.sim
@pytest.mark.verilator
def test_a_reference_only_verilator_handles_moves_its_task_to_verilator(tmp_path):
    """Icarus 11 answers `sorry: This cast operation is not yet supported`; the model's identical design passes
    under Verilator instead of being scored compile_error, and the task whose reference misses a port the
    testbench connects is reported apart."""
    root = bench_of(tmp_path, "gray_next", "needs_en")
    reference = (FIXTURES / "gray_next" / "gray_next.sv").read_text()
    with Loopback([Response.text(fenced(reference))], model="loop") as endpoint:
        result = aigchip("eval", str(root), "--model", "loop", "--base-url", endpoint.base_url, "--demos", "0",
                         "--max-iters", "1", "--no-lint", "--out", str(tmp_path / "out"))
        asked = len(endpoint.requests)
    assert result.returncode == 0, result.stderr
    assert "gray_next: checked with verilator: the reference fails under icarus" in result.stderr
    assert "This cast operation is not yet supported" in result.stderr
    assert "needs_en: a benchmark problem, left out of pass@k" in result.stderr
    assert "pass@1 100.0%  over the 1 sound tasks" in result.stdout
    assert "pass@1 50.0%  over all 2 tasks" in result.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [f["task"] for f in summary["reference_failures"]] == ["needs_en"]
    assert set(summary["reference_failures"][0]["simulators"]) == {"icarus", "verilator"}
    assert summary["preflight"]["fallbacks"][0]["task"] == "gray_next"
    record = json.loads((tmp_path / "out" / "results.jsonl").read_text().splitlines()[0])
    assert record["task"] == "gray_next" and record["status"] == "pass" and record["simulator"] == "verilator"
    assert asked == 1  # needs_en was never sent to the model


# -- stop reasons, per-iteration figures, cached replies -----------------------------------------------------

@pytest.mark.sim
def test_a_sample_that_stopped_because_its_checks_passed_says_so_and_a_rerun_says_its_replies_were_cached(tmp_path):
    root = bench_of(tmp_path, "add4")
    env = {"AIGCHIP_CACHE_DIR": str(tmp_path / "cache")}
    with Loopback(handler=lambda body: Response.text(fenced(ADD4_WRONG)), model="loop") as endpoint:
        first = aigchip("eval", str(root), "--model", "loop", "--base-url", endpoint.base_url, "--demos", "0",
                        "--feedback", "lint", "--max-iters", "3", "--no-lint", "--out", str(tmp_path / "a"), env=env)
        again = aigchip("eval", str(root), "--model", "loop", "--base-url", endpoint.base_url, "--demos", "0",
                        "--feedback", "lint", "--max-iters", "3", "--no-lint", "--out", str(tmp_path / "b"), env=env)
        asked = len(endpoint.requests)
    assert first.returncode == 0, first.stderr
    line = next(row for row in first.stderr.splitlines() if row.startswith("[1/1] add4 s0"))
    assert "mismatch (1 iter" in line and "stopped after iteration 1 of 3" in line
    assert "then the task's own tests failed" in line and "from the cache" not in line
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    record = json.loads((tmp_path / "a" / "results.jsonl").read_text())
    assert record["stopped"] == "checks_passed_golden_failed"
    assert summary["pass_rate_by_iteration"] == {"1": 0.0} and summary["iterations_ran"] == 1
    assert summary["max_iters"] == 3 and summary["stopped_counts"] == {"checks_passed_golden_failed": 1}
    assert asked == 1  # the second run asked nothing: its reply came from the cache, and it says so
    line = next(row for row in again.stderr.splitlines() if row.startswith("[1/1] add4 s0"))
    assert "1 of 1 replies from the cache" in line
    assert "1 of 1 model replies came from the reply cache" in again.stdout
    assert json.loads((tmp_path / "b" / "summary.json").read_text())["tokens"]["cached_replies"] == 1
    assert "1 cached replies" in (tmp_path / "b" / "report.md").read_text()



def test_the_longest_check_known_from_a_previous_run_starts_first(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    root = bench_of(tmp_path, "add4")
    for name in ("add4_slow", "add4_mid"):
        shutil.copytree(FIXTURES / "add4", root / name)
        (root / name / "task.json").write_text((root / name / "task.json").read_text()
                                                .replace('"id": "add4"', f'"id": "{name}"'))
    seconds = {"add4": 0.1, "add4_slow": 3.0, "add4_mid": 1.0}
    orders: list[list[str]] = []

    def timed(pairs, jobs=1):  # each task's check takes its own time, as a simulator's would
        folders = [next(p.parent.name for p in (o.tests, *o.testbench) if p is not None) for _, o in pairs]
        orders.append(folders)
        return [Verdict(status=Status.PASS, duration_s=seconds[f]) for f in folders]

    config = RunConfig(model="reference", lint=False, cache=False)
    for _ in range(2):
        found = preflight.check_references(load(root).tasks, config, jobs=2, check=timed, benchmark="mine")
        assert all(f["state"] == "sound" for f in found.values())
    assert orders[0] == ["add4", "add4_mid", "add4_slow"]  # nothing known: the benchmark's order
    assert orders[1] == ["add4_slow", "add4_mid", "add4"]  # then the longest first
    assert found["add4_slow"]["seconds"] == 3.0


def test_generate_says_when_its_reply_came_from_the_cache(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from aigchip.cli import build_app

    monkeypatch.setenv("AIGCHIP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")
    runs = []
    with Loopback(handler=lambda body: Response.text(fenced(ADD4)), model="loop") as endpoint:
        for n in range(2):
            runs.append(CliRunner().invoke(build_app(), [
                "generate", "y is the 5-bit sum of the 4-bit inputs a and b.", "--top", "add4", "--model", "loop",
                "--base-url", endpoint.base_url, "--demos", "0", "--max-iters", "1", "--out", str(tmp_path / f"g{n}")]))
        asked = len(endpoint.completions())
    assert asked == 1, [r.output for r in runs]
    assert "reply from the cache" not in runs[0].output and "from the reply cache" not in runs[0].output
    assert "iteration 1 sample 0:" in runs[1].output and "(reply from the cache)" in runs[1].output
    assert "1 of 1 model replies came from the reply cache" in runs[1].output
    meta = json.loads((tmp_path / "g1" / "meta.json").read_text())
    assert meta["tokens"]["cached_replies"] == 1 and meta["attempts"][0]["cached"] is True


@pytest.mark.sim
def test_eval_says_how_many_prompts_carried_demonstrations(tmp_path, monkeypatch):
    """add4's spec matches no demo; a copy whose spec is about a saturating adder gets sat_add_s16."""
    from typer.testing import CliRunner

    from aigchip.cli import build_app

    monkeypatch.delenv("AIGCHIP_DEMOS_DIR", raising=False)
    root = bench_of(tmp_path, "add4")
    shutil.copytree(root / "add4", root / "add4_sat")
    meta = json.loads((root / "add4_sat" / "task.json").read_text())
    meta.update(id="add4_sat", spec="A combinational saturating signed 16-bit adder/subtractor: a result beyond "
                                    "the int16 range is clamped and an overflow flag is raised.")
    (root / "add4_sat" / "task.json").write_text(json.dumps(meta))
    with Loopback(handler=lambda body: Response.text(fenced(ADD4)), model="loop") as endpoint:
        result = CliRunner().invoke(build_app(), [
            "eval", str(root), "--model", "loop", "--base-url", endpoint.base_url, "--feedback", "none",
            "--no-lint", "--no-cache", "--out", str(tmp_path / "out")])
        prompts = {json.dumps(r.body).count("### Example") for r in endpoint.completions()}
    assert result.exit_code == 0, result.output
    assert "demonstrations: up to 3 per prompt, minimum score 12: 1 of 2 samples got some (1 in all), " \
           "1 none relevant enough" in result.output
    assert prompts == {0, 1}
    records = {r["task"]: r for r in map(json.loads, (tmp_path / "out" / "results.jsonl").read_text().splitlines())}
    assert records["add4"]["demos"] == [] and records["add4_sat"]["demos"] == ["sat_add_s16"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["demos"] == {"asked": 3, "min_score": 12.0, "sent": 1, "samples_with": 1, "samples_without": 1}
    assert "- **demonstrations**: up to 3 per prompt" in (tmp_path / "out" / "report.md").read_text()


@pytest.mark.sim
def test_a_resume_with_another_demo_minimum_is_refused(tmp_path):
    root = bench_of(tmp_path, "add4")
    out = tmp_path / "out"
    run_eval(load(root), RunConfig(model="reference"), samples=1, ks=[1], out_dir=out)
    with pytest.raises(EvalError, match=r"demo_min_score: 12.0 then, 5.0 now"):
        run_eval(load(root), RunConfig(model="reference", demo_min_score=5), samples=1, ks=[1], out_dir=out, resume=True)
    identity = json.loads((out / IDENTITY).read_text())
    del identity["demo_min_score"]  # a run from before the minimum existed
    (out / IDENTITY).write_text(json.dumps(identity))
    with pytest.raises(EvalError, match="before demonstrations had a minimum relevance"):
        run_eval(load(root), RunConfig(model="reference"), samples=1, ks=[1], out_dir=out, resume=True)
