"""Cost in records: `generate --synth` records it, `regress` costs the design again and flags growth beyond a
tolerance, eval puts a task's cost beside its reference's."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from aigchip.bench.summary import cost_beside_reference
from aigchip.regress import cost_change, junit_xml, regress
from aigchip.task import from_folder
from tests.test_regress import BENCH, aigchip

pytestmark = [pytest.mark.sim, pytest.mark.synth]
ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"


@pytest.fixture(scope="module")
def costed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aigchip.bench.adapters import load
    from aigchip.config import RunConfig
    from aigchip.generate import generate
    from aigchip.models.local import ScriptedModel

    root = tmp_path_factory.mktemp("costed")
    for task in load(BENCH / "native").tasks:
        code = task.solution[0].read_text()
        config = RunConfig(model="scripted", demos=0, lint=False, cache=False, synth=True)
        _, _, summary = generate(task, config, out_dir=root / task.id,
                                 model=ScriptedModel([f"Here it is.\n\n```verilog\n{code}\n```\n"]))
        assert summary["status"] == "pass" and summary["cost"]["cells"] > 0
    return root


def test_generate_records_the_cost_and_regress_costs_it_again(costed: Path) -> None:
    meta = json.loads((costed / "parity8" / "meta.json").read_text())
    assert meta["config"]["synth"] is True and meta["verdict"]["cost"]["cells"] > 0
    report = regress(costed)
    assert report.exit_code() == 0 and report.cost_regressions == []
    assert all(r.cost and r.cost["cells"] > 0 for r in report.results)


def test_a_design_that_grew_is_a_cost_regression(costed: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "runs"
    shutil.copytree(costed, root)
    meta_path = root / "parity8" / "meta.json"
    meta = json.loads(meta_path.read_text())
    now = meta["verdict"]["cost"]["cells"]
    meta["verdict"]["cost"]["cells"] = 1  # as if the recorded design had been far smaller
    meta_path.write_text(json.dumps(meta))
    report = regress(root, cost_tolerance=0.1)
    grew = [r for r in report.results if r.cost_regression]
    assert [Path(r.dir).name for r in grew] == ["parity8"] and report.exit_code() == 1
    assert f"cells 1 -> {now}" in grew[0].cost_regression
    case = next(c for c in ET.fromstring(junit_xml(report)).iter("testcase") if c.get("name") == grew[0].dir)
    assert case.find("failure").get("type") == "cost_regression"
    done = aigchip("regress", str(root), "--json")
    assert done.returncode == 1 and [Path(d).name for d in json.loads(done.stdout)["cost_regressions"]] == ["parity8"]
    assert aigchip("regress", str(root), "--cost-tolerance", "1000").returncode == 0


def test_cost_change_words_and_tolerance() -> None:
    assert cost_change({"cells": 100, "fmax_mhz": 50.0}, {"cells": 104, "fmax_mhz": 49.0}, 0.05) is None
    worse = cost_change({"cells": 100, "luts": 10, "fmax_mhz": 50.0}, {"cells": 120, "luts": 10, "fmax_mhz": 40.0}, 0.05)
    assert worse == "cells 100 -> 120 (+20%), fmax_mhz 50.0 -> 40.0 (-20%) (tolerance 5%)"


def test_eval_row_puts_the_cost_beside_the_reference() -> None:
    task = from_folder(ACCELBENCH / "sys_csr_spmv")
    records = [{"sample": 1, "status": "pass", "cost": {"cells": 2944}},
               {"sample": 0, "status": "mismatch", "cost": {"cells": 10}}]
    row = cost_beside_reference(task, records)
    assert row["area_ratio"] == 2.0 and row["reference_cost"]["cells"] == 1472 and row["cost"] == {"cells": 2944}
    assert cost_beside_reference(task, [{"sample": 0, "status": "pass"}]) == {}


def test_eval_with_synth_reports_cost_per_task(tmp_path: Path) -> None:
    from aigchip.loopback import Loopback, Response

    parity = (BENCH / "native" / "parity8" / "parity8.v").read_text()
    with Loopback(handler=lambda body: Response.text(f"```verilog\n{parity}```\n"), model="loop") as endpoint:
        done = aigchip("eval", str(BENCH / "native"), "--tasks", "parity8", "--model", "loop", "--base-url",
                       endpoint.base_url, "--demos", "0", "--max-iters", "1", "--no-lint", "--synth",
                       "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "results.jsonl").read_text().splitlines()[0])
    assert record["status"] == "pass" and record["cost"]["cells"] > 0
    row = json.loads(done.stdout)["per_task"][0]
    assert row["cost"]["cells"] == record["cost"]["cells"] and row["reference_cost"] is None
    report = (tmp_path / "out" / "report.md").read_text()
    assert "## Cost" in report and f"| parity8 | {record['cost']['cells']} | - | - |" in report


def test_cost_section_charts_the_area_ratio() -> None:
    from aigchip.bench import cost_report

    summary = {"per_task": [{"task": "small", "cost": {"cells": 50}, "reference_cost": {"cells": 100}, "area_ratio": 0.5},
                            {"task": "big", "cost": {"cells": 300}, "reference_cost": {"cells": 100}, "area_ratio": 3.0},
                            {"task": "failed", "passes": 0}]}
    rows = cost_report.markdown(summary)
    assert "| small | 50 | 100 | 0.50 | - | - | - |" in rows and not any("failed" in r for r in rows)
    page = cost_report.page_section(summary)
    assert page.count("<rect") == 2 and "#2e7d32" in page and "#c62828" in page  # smaller green, larger red
    assert cost_report.page_section({"per_task": [{"task": "x", "passes": 1}]}) == ""


def test_the_reports_escape_text_as_the_html_module_does() -> None:
    import html

    from aigchip.bench import cost_report, report

    hostile = """<script>alert("x" & 'y')</script> &amp; ok >"""
    assert cost_report.escape(hostile) == html.escape(hostile) == report.escape(hostile)
    summary = {"per_task": [{"task": hostile, "cost": {"cells": 5}, "reference_cost": {"cells": 5}, "area_ratio": 1.0}]}
    assert "<script>" not in cost_report.page_section(summary) and html.escape(hostile) in cost_report.page_section(summary)
