"""The accelerator flow end to end, as a user runs it: `aigchip accel` against the loopback endpoint with a
scripted model answering every prompt (plans, unit tests, modules, repairs), real simulators and synthesis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from aigchip.loopback import Loopback
from tests.accel_fixture import REQUEST, Script, designs, fenced, plan_text, rtl

pytestmark = pytest.mark.sim


def accel(server: Loopback, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", "accel", *args, "--model", "loop", "--base-url",
                           server.base_url, "--no-lint"], capture_output=True, text=True, timeout=timeout)


def test_a_two_line_request_becomes_a_verified_accelerator(tmp_path):
    bad_width = plan_text().replace("wire [17:0] relu;", "wire [7:0] relu;")
    script = Script(
        plans=["I would start with a systolic array.", fenced(bad_width, "yaml"), fenced(plan_text(), "yaml")],
        designs_by_module=designs(mul8=[fenced(rtl("mul8_unsigned")), fenced(rtl("mul8"))],
                                  relu18=[fenced(rtl("relu18_passthrough"))] * 2 + [fenced(rtl("relu18"))]))
    out = tmp_path / "run"
    with Loopback(handler=script) as server:
        proc = accel(server, REQUEST, "--out", str(out), "--yes", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["status"] == "pass"

    # the plan: sent back twice with classified reasons, then accepted
    plan_feedback = [text for purpose, _, text in script.prompts if purpose == "plan"][1:]
    assert "[unparseable]" in plan_feedback[0] and "[width_mismatch]" in plan_feedback[1]
    assert "u_relu" in plan_feedback[1]
    assert (out / "plan.yaml").read_text().startswith("name: dot4")

    # every module verified; each module's unit tests written by the model before the module
    tree = summary["plan"]
    assert tree["name"] == "dot4_top" and [c["name"] for c in tree["children"]] == ["dot4_core", "relu18"]
    modules = summary["modules"]
    assert all(m["status"] == "verified" for m in modules.values())
    assert {n: m["tests"] for n, m in modules.items()} == {
        "mul8": "model", "add4": "model", "dot4_core": "model", "relu18": "model", "dot4_top": "plan"}
    assert script.count("tests") == 4

    # mul8 failed its unit test first, and the loop's feedback fixed it
    assert modules["mul8"]["attempts"] == ["mismatch", "pass"]
    mul8_feedback = [text for purpose, m, text in script.prompts if purpose == "design" and m == "mul8"][1]
    assert "p got" in mul8_feedback and "expected" in mul8_feedback

    # relu18 passed its weak unit test, the system test failed, localization blamed relu18 (not the top)
    assert summary["repairs"][0]["module"] == "relu18" and len(summary["repairs"]) == 1
    assert "u_relu" in summary["repairs"][0]["reason"]
    repair_prompt = next(text for purpose, m, text in script.prompts if purpose == "design" and m == "relu18"
                         and "inside the whole accelerator" in text)
    assert "output `y`" in repair_prompt and "the model gives 0" in repair_prompt
    assert modules["relu18"]["repairs"] == 1 and modules["dot4_top"]["repairs"] == 0
    assert script.count("design", "dot4_top") == 1  # the top was never regenerated
    # the replayed traffic caught the unchanged design before the fix passed
    assert modules["relu18"]["attempts"] == ["pass", "mismatch", "pass"]
    relu_tests = (out / "modules/relu18/checks/self_test_relu18.py").read_text()
    assert "aigchip_replay_system_traffic" in relu_tests
    assert (out / "modules/relu18/checks/replay_boundary.json").is_file()

    # the cost the user sees
    cost = summary["cost"]
    assert cost["latency_cycles"] == 1 and cost["cycles_per_job"] <= 1.1 and cost["jobs"] >= 30
    assert cost["cells"] > 0 and cost["modules"]["mul8"]["instances"] == 4
    assert json.loads((out / "accel.json").read_text())["status"] == "pass"

    # the record re-checks with regress: every module and the integrated design
    regress = subprocess.run([sys.executable, "-m", "aigchip.cli", "regress", str(out), "--json"],
                             capture_output=True, text=True, timeout=300)
    report = json.loads(regress.stdout)
    assert regress.returncode == 0 and report["designs"] == 5 and not report["regressions"]


def test_approval_then_an_interrupted_build_resumes_paying_no_verified_module_twice(tmp_path):
    out = tmp_path / "run"
    first = Script()
    with Loopback(handler=first) as server:
        planned = accel(server, REQUEST, "--out", str(out), "--no-cache")
    assert planned.returncode == 1
    assert "awaits approval" in planned.stderr and f"--plan {out}/plan.yaml" in planned.stderr
    assert first.calls == [("plan", "", 0)] and (out / "plan.yaml").is_file()
    assert not (out / "modules").exists()

    slow_top = Script(designs_by_module=designs(dot4_top=[fenced(rtl("dot4_top"))]), delay_s=0.0)
    original = slow_top.__call__
    killed = threading.Event()

    def hang_on_the_top(body):
        if "### The module `dot4_top`" in body["messages"][1]["content"]:
            killed.wait(60)
        return original(body)

    with Loopback(handler=hang_on_the_top) as server:
        proc = subprocess.Popen([sys.executable, "-m", "aigchip.cli", "accel", REQUEST, "--plan", str(out / "plan.yaml"),
                                 "--out", str(out), "--model", "loop", "--base-url", server.base_url, "--no-lint",
                                 "--no-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while not (out / "modules/dot4_core/meta.json").is_file() or \
                    not any(p == "design" and m == "dot4_top" for p, m, _ in slow_top.calls):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed.set()
    assert slow_top.count("plan") == 0  # --plan: the approved plan, no model call
    verified = ["mul8", "add4", "relu18", "dot4_core"]
    assert all(json.loads((out / f"modules/{m}/meta.json").read_text())["verdict"]["status"] == "pass" for m in verified)

    again = Script()
    with Loopback(handler=again) as server:
        resumed = accel(server, REQUEST, "--out", str(out), "--no-cache", "--json", "--fpga", "ice40")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "pass"
    assert again.calls == [("design", "dot4_top", 0)]  # nothing verified was asked for again
    assert all(summary["modules"][m]["reused"] for m in verified)
    assert not summary["modules"]["dot4_top"]["reused"]
    cost = summary["cost"]  # --fpga ice40: the mapped figures beside the generic cells
    assert cost["fpga"] == "ice40" and cost["luts"] > 0 and cost["cells"] > 0 and "synth_ice40" in cost["synthesis"]


def test_the_cost_table_with_an_fmax_from_place_and_route():
    from aigchip.accel import cost, show
    from aigchip.sim import tools
    from aigchip.sim.types import Design

    if not tools.available("nextpnr-ice40"):
        pytest.skip("nextpnr-ice40 is not installed")
    design = Design(files={f"{n}.v": rtl(n) for n in ("mul8", "add4", "relu18", "dot4_core", "dot4_top")},
                    top="dot4_top")
    notes: list[str] = []
    found = cost.cells(design, ["mul8", "add4", "relu18", "dot4_core", "dot4_top"], notes, fmax=True)
    assert found["modules"]["mul8"]["instances"] == 4 and found["luts"] > 0 and found["fmax_mhz"] > 1, notes
    table = "\n".join(show.cost_lines(found))
    assert "ice40 LUTs" in table and "ice40 Fmax (MHz)" in table and "placed and routed on" in table


def test_without_a_cycle_model_the_top_is_tried_first_then_the_module_with_no_model(tmp_path):
    no_model = plan_text().replace('''  model: |
    class Model:
        def step(self, inputs):
            x = inputs["x"]
            return {"y": 0 if x >> 17 else x}
''', "")
    assert no_model != plan_text()
    script = Script(plans=[fenced(no_model, "yaml")],
                    designs_by_module=designs(relu18=[fenced(rtl("relu18_passthrough")), fenced(rtl("relu18"))]))
    out = tmp_path / "run"
    with Loopback(handler=script) as server:
        proc = accel(server, REQUEST, "--out", str(out), "--yes", "--json", "--max-iters", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["status"] == "pass"
    assert [r["module"] for r in summary["repairs"]] == ["dot4_top", "relu18"]
    assert "instance u_relu" in summary["repairs"][1]["reason"] and "no cycle model" in summary["repairs"][1]["reason"]
    prompt = next(text for purpose, m, text in script.prompts if purpose == "design" and m == "relu18"
                  and "the top's own logic was regenerated" in text)
    assert "Its ports cycle by cycle" in prompt and "u_relu" in prompt
    assert summary["modules"]["relu18"]["repairs"] == 1 and summary["modules"]["mul8"]["repairs"] == 0
