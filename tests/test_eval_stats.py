"""Reports a researcher can publish: pass@k with its interval and method, per-difficulty figures, each task's
first failure with a link to its transcript, and `aigchip eval compare` (flips, McNemar's exact test)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.bench import stats
from aigchip.bench.adapters import load
from aigchip.bench.report import console_summary
from aigchip.bench.runner import run_eval
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.sim.types import Status, Verdict

ADD4_DIR = Path(__file__).parent / "fixtures" / "evaltruth" / "add4"
ADD4 = (ADD4_DIR / "add4.v").read_text()
ADD4_WRONG = ADD4.replace("a + b", "a | b")


def fenced(code: str) -> str:
    return f"```verilog\n{code}\n```\n"


def by_content(pairs, jobs=1):
    """Pass exactly the designs that add (the pre-flight's reference does); no simulator needed."""
    return [Verdict(status=Status.PASS if "a + b" in "".join(d.files.values()) else Status.MISMATCH,
                    log="mismatch at sample 3: y=7 expected 11") for d, _ in pairs]


def bench(tmp_path: Path, count: int) -> Path:
    root = tmp_path / "bench"
    for i in range(count):
        folder = root / f"add4_{i}"
        shutil.copytree(ADD4_DIR, folder)
        meta = json.loads((folder / "task.json").read_text())
        meta.update(id=f"add4_{i}", difficulty="easy" if i % 2 == 0 else "hard")
        (folder / "task.json").write_text(json.dumps(meta))
    return root


def evaluate(tmp_path: Path, name: str, count: int, good: set[int], samples: int = 1) -> tuple[dict, Path]:
    out = tmp_path / name

    def model(task, sample):
        index = int(task.id.split("_")[1])
        return ScriptedModel([fenced(ADD4 if index in good else ADD4_WRONG)])

    root = tmp_path / "bench" if (tmp_path / "bench").exists() else bench(tmp_path, count)
    summary = run_eval(load(root),
                       RunConfig(model="scripted", demos=0, max_iters=1, lint=False, cache=False),
                       samples=samples, ks=[1, 2], out_dir=out, model_factory=model, check=by_content)
    return summary, out


def aigchip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def test_interval_formulas_match_hand_computed_values():
    assert stats.wilson(5, 10) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    assert stats.wilson(0, 10) == pytest.approx((0.0, 0.277533), abs=1e-6)
    assert stats.sign_test(0, 6) == pytest.approx(2 / 64)
    assert stats.sign_test(1, 9) == pytest.approx(2 * 11 / 1024)
    assert stats.sign_test(3, 3) == 1.0 and stats.sign_test(0, 0) == 1.0
    low, high = stats.bootstrap_mean([0.0, 1.0] * 20)
    assert low < 0.5 < high and stats.bootstrap_mean([0.0, 1.0] * 20) == (low, high)  # seeded: the same twice
    several = stats.pass_at_k_intervals([(2, 1), (2, 2), (2, 0)], [1, 2, 5])
    assert set(several) == {"1", "2"} and "bootstrap" in several["1"]["method"]


def test_summary_and_reports_give_intervals_difficulty_and_each_tasks_first_failure(tmp_path):
    summary, out = evaluate(tmp_path, "run", 4, good={0, 1})
    assert summary["pass_at_k"] == {"1": 0.5}
    interval = summary["pass_at_k_interval"]["1"]
    assert interval["method"].startswith("wilson") and (interval["low"], interval["high"]) == pytest.approx(
        stats.wilson(2, 4), abs=1e-6)
    assert summary["by_difficulty"]["easy"]["tasks"] == 2 and summary["by_difficulty"]["hard"]["passes"] == 1
    rows = {row["task"]: row for row in summary["per_task"]}
    assert rows["add4_0"]["first_failure"] is None
    failure = rows["add4_2"]["first_failure"]
    assert failure["status"] == "mismatch" and failure["transcript"] == "transcripts/add4_2/s0"
    assert (out / failure["transcript"] / "session.jsonl").is_file()
    assert "  95% interval  pass@1 15.0-85.0%  (wilson score interval" in console_summary(summary, out)
    report = (out / "report.md").read_text()
    assert "| 1 | 50.0% | 15.0-85.0% | wilson" in report
    assert "[transcripts/add4_2/s0](transcripts/add4_2/s0)" in report
    assert 'href="transcripts/add4_3/s0"' in (out / "report.html").read_text()


def test_eval_compare_names_the_flipped_tasks_and_gives_mcnemars_test(tmp_path):
    _, before = evaluate(tmp_path, "before", 6, good={0})
    _, after = evaluate(tmp_path, "after", 6, good={0, 1, 2, 3, 4, 5})
    shown = aigchip("eval", "compare", str(before), str(after))
    assert shown.returncode == 0, shown.stderr
    assert "6 tasks in both: pass@1 16.7% -> 100.0%" in shown.stdout
    assert "McNemar's exact test: 5 improved, 0 regressed, p = 0.0625" in shown.stdout
    assert "fixed (fail -> pass): add4_1, add4_2, add4_3, add4_4, add4_5" in shown.stdout
    result = json.loads(aigchip("eval", "compare", str(after), str(before), "--json").stdout)
    assert result["flips"]["broken"] == ["add4_1", "add4_2", "add4_3", "add4_4", "add4_5"]
    assert result["test"]["p_value"] == pytest.approx(0.0625) and result["change"]["high"] < 0
    not_a_run = aigchip("eval", "compare", str(before), str(tmp_path / "bench"))
    assert not_a_run.returncode == 2 and "holds no evaluation summary" in not_a_run.stderr
