"""`generate --optimize area` for real through the loopback endpoint: a passing but wasteful design, a
smaller one that fails a test (rejected), a smaller correct one (kept); the area reported drops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigchip.loopback import Loopback, Response
from tests.test_cli import aigchip

pytestmark = [pytest.mark.sim, pytest.mark.synth]
FIXTURE = Path(__file__).parent / "fixtures" / "optimize"


def fenced(name: str) -> str:
    return f"Here it is.\n\n```verilog\n{(FIXTURE / name).read_text()}```\n"


def test_optimize_area_keeps_the_smaller_passing_design(tmp_path: Path) -> None:
    replies = [Response.text(fenced(n)) for n in ("acc9_wasteful.v", "acc9_narrow.v", "acc9_lean.v")]
    with Loopback(replies, model="loop") as endpoint:
        done = aigchip("generate", "A registered 9-bit sum q of two 8-bit inputs a and b, cleared by rst.",
                       "--top", "acc9", "--tb", str(FIXTURE / "tb_acc9.v"), "--model", "loop", "--base-url",
                       endpoint.base_url, "--demos", "0", "--optimize", "area", "--optimize-rounds", "2",
                       "--no-cache", "--out", str(tmp_path / "run"), "--json")
        asked = [r.body["messages"][-1]["content"] for r in endpoint.requests if r.body]
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["status"] == "pass"
    report = summary["optimize"]
    assert report["metric"] == "cells" and report["best"] < report["first"] and report["change"] < -0.3
    rounds = {c["round"]: c for c in report["candidates"]}
    assert rounds[1]["kept"] is False and rounds[1]["status"] == "mismatch"
    assert rounds[2]["kept"] is True and rounds[2]["cost"]["cells"] == report["best"]
    assert [c["round"] for c in report["pareto"]] == [2]
    assert summary["cost"]["cells"] == report["best"]  # the record's design is the kept one
    kept = (tmp_path / "run" / "acc9.v").read_text() if (tmp_path / "run" / "acc9.v").exists() else \
        "".join(p.read_text() for p in (tmp_path / "run").glob("*.v"))
    assert "The lean design" in kept
    assert f"{report['first']} cells" in asked[1] and "round 1:" in asked[2]  # shown its cost, told what failed


MUL8 = ("mul8: on a cycle with start high, take 8-bit a and b; some cycles later raise done with the 16-bit "
        "product p = a * b, held until the next start. Synchronous active-high reset rst.")


def test_optimize_latency_keeps_the_passing_design_with_fewer_cycles(tmp_path: Path) -> None:
    replies = [Response.text(fenced(n)) for n in ("mul8_slow.v", "mul8_broken.v", "mul8_fast.v")]
    with Loopback(replies, model="loop") as endpoint:
        done = aigchip("generate", MUL8, "--top", "mul8", "--tb", str(FIXTURE / "tb_mul8.v"), "--model", "loop",
                       "--base-url", endpoint.base_url, "--demos", "0", "--optimize", "latency",
                       "--optimize-rounds", "2", "--no-cache", "--out", str(tmp_path / "run"), "--json")
        asked = [r.body["messages"][-1]["content"] for r in endpoint.requests if r.body]
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["status"] == "pass", done.stderr
    report = summary["optimize"]
    assert report["metric"] == "latency_cycles" and report["first"] == 9 and report["best"] == 1
    assert "no equivalence proof" in report["note"]
    rounds = {c["round"]: c for c in report["candidates"]}
    assert rounds[1]["kept"] is False and rounds[1]["status"] == "mismatch"  # one cycle, but a wrong product
    assert rounds[2]["kept"] is True and rounds[2]["equivalence"] is None and "9.0 -> 1.0" in rounds[2]["reason"]
    # the slow design is smaller, the fast one quicker: both stay on the Pareto front
    assert sorted(c["round"] for c in report["pareto"]) == [0, 2]
    assert summary["cost"]["latency_cycles"] == 1 and "one product a cycle" in (tmp_path / "run" / "mul8.v").read_text()
    # the model was shown the cycles and what the test measured, then why round 1 was not kept
    assert "9.0 cycles per job (one 8x8 product, start taken to done)" in asked[1]
    assert "fewer clock cycles" in asked[1] and "round 1:" in asked[2]


def test_optimize_latency_without_tests_that_measure_cycles_is_refused_before_any_model_call(tmp_path: Path) -> None:
    with Loopback([Response.text(fenced("acc9_lean.v"))], model="loop") as endpoint:
        done = aigchip("generate", "A registered 9-bit sum q of two 8-bit inputs a and b, cleared by rst.",
                       "--top", "acc9", "--tb", str(FIXTURE / "tb_acc9.v"), "--model", "loop", "--base-url",
                       endpoint.base_url, "--demos", "0", "--optimize", "latency", "--no-cache",
                       "--out", str(tmp_path / "run"))
        selftests = aigchip("generate", MUL8, "--top", "mul8", "--model", "loop", "--base-url", endpoint.base_url,
                            "--demos", "0", "--optimize", "latency", "--no-cache")
        assert not [r for r in endpoint.requests if r.body]
    assert done.returncode == 2 and "never write cost.json" in done.stderr and "tb_acc9.v" in done.stderr
    assert selftests.returncode == 2 and "needs the task's own tests" in selftests.stderr
    assert not (tmp_path / "run").exists()


def test_the_optimize_front_is_axis_by_axis_and_uses_the_one_pareto_rule() -> None:
    from aigchip.optimize import Candidate, pareto

    def point(round_: int, status: str = "pass", **cost: float) -> Candidate:
        return Candidate(round=round_, status=status, kept=False, reason="", cost=cost)

    points = [point(0, luts=20, fmax_mhz=100, latency_cycles=9), point(1, luts=30, fmax_mhz=100, latency_cycles=2),
              point(2, luts=20, fmax_mhz=90, latency_cycles=9), point(3, "mismatch", luts=1, latency_cycles=1),
              point(4, luts=20, fmax_mhz=100, latency_cycles=9)]
    # bigger but quicker stays (tuple order would drop it); slower at equal area drops; a tie keeps both
    assert [c.round for c in pareto(points)] == [0, 1, 4]
