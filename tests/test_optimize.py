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
