"""`aigchip eval --flow oneshot|accel --grain G`: both flows on the same benchmark with the same scripted model
(through the loopback endpoint), the model shown only the grain asked for, compared in one report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aigchip.loopback import Loopback
from tests.accel_fixture import Script, fenced, plan_text, rtl

MODULES = ("mul8", "add4", "relu18", "dot4_core", "dot4_top")
SHORT = "The ReLU of the dot product of two vectors of four signed int8 lanes, one result per cycle."
DETAILED = ("dot4_top registers y and out_valid one rising edge after in_valid; the lanes are packed little-endian "
            "in 32-bit words a and b; sums are exact in 18 bits; synchronous active-high rst. LONGFORM-MARKER.")


def bench(tmp_path: Path, *, block: bool = True) -> Path:
    """A one-task native benchmark: dot4 with its spec at two or three grains, its system test and solution."""
    folder = tmp_path / "bench" / "dot4"
    folder.mkdir(parents=True)
    for name in MODULES:
        (folder / f"{name}.v").write_text(rtl(name))
    (folder / "interface.v").write_text(rtl("dot4_top").split(";", 1)[0] + ";\nendmodule\n")
    import yaml

    plan = yaml.safe_load(plan_text())
    test = plan["system_test"].replace("from golden import dot_relu", plan["golden"])
    (folder / "test_dot4_top.py").write_text(test)
    spec = {"high_level": SHORT, "detailed": DETAILED, **({"block": "dot4_core: four mul8, one add4."} if block else {})}
    (folder / "task.json").write_text(json.dumps({
        "id": "dot4", "top": "dot4_top", "spec": spec, "interface": "interface.v", "tests": "test_dot4_top.py",
        "solution": [f"{n}.v" for n in MODULES], "tags": ["system"]}))
    return folder.parent


class Both(Script):
    """The accelerator flow's script, and for the one-shot prompt the whole design in one reply."""

    def __call__(self, body: dict):
        first = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if "Plan the architecture" not in first and "### The module `" not in first and "unit tests" not in first:
            self.calls.append(("oneshot", "", 0))
            self.prompts.append(("oneshot", "", first))
            from aigchip.loopback import Response

            return Response.text(fenced("\n\n".join(rtl(n) for n in MODULES)))
        return super().__call__(body)


def aigchip(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.sim
def test_both_flows_on_the_same_tasks_at_the_high_level_grain_compared_in_one_report(tmp_path):
    benchmark = bench(tmp_path)
    script = Both()
    runs = {}
    with Loopback(handler=script) as server:
        for flow in ("oneshot", "accel"):
            runs[flow] = tmp_path / flow
            proc = aigchip("eval", str(benchmark), "--flow", flow, "--grain", "high_level", "--model", "loop",
                           "--base-url", server.base_url, "--no-lint", "--no-preflight", "--demos", "0",
                           "--out", str(runs[flow]), "--json")
            assert proc.returncode == 0, proc.stderr[-3000:]
            summary = json.loads(proc.stdout)
            assert (summary["flow"], summary["grain"], summary["pass_at_k"]["1"]) == (flow, "high_level", 1.0)
            assert summary["status_counts"] == {"pass": 1}

    # the model saw the short request only, in both flows
    first_prompts = [text for purpose, _, text in script.prompts if purpose in ("oneshot", "plan")]
    assert len(first_prompts) == 2 and all(SHORT in text and "LONGFORM" not in text for text in first_prompts)

    record = json.loads((runs["accel"] / "results.jsonl").read_text().splitlines()[0])
    assert record["flow"] == "accel" and record["status"] == "pass" and record["stopped"] == "pass"
    assert set(record["modules"]) == set(MODULES)
    assert record["modules"]["dot4_top"]["tests"] == "task"  # the benchmark's own system test decided the top
    assert record["replies"] == script.count("plan") + script.count("tests") + script.count("design")
    assert record["cost"]["cells"] > 0
    assert (runs["accel"] / record["transcript"] / "plan.yaml").is_file()
    report = (runs["accel"] / "report.md").read_text()
    assert "- **flow**: accel" in report and "- **spec shown**: the high_level grain only" in report

    shown = aigchip("eval", "compare", str(runs["oneshot"]), str(runs["accel"]))
    assert shown.returncode == 0, shown.stderr
    assert "flow oneshot, grain high_level" in shown.stdout and "flow accel, grain high_level" in shown.stdout
    assert "1 tasks in both: pass@1 100.0% -> 100.0%" in shown.stdout and "warning" not in shown.stdout


def test_a_grain_the_tasks_lack_and_a_flow_without_a_model_are_usage_errors(tmp_path):
    benchmark = bench(tmp_path, block=False)
    proc = aigchip("eval", str(benchmark), "--grain", "block", "--model", "offline", "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and "no selected task has a spec at grain block" in proc.stderr
    assert "it has detailed, high_level" in proc.stderr and "Traceback" not in proc.stderr
    proc = aigchip("eval", str(benchmark), "--flow", "accel", "--model", "offline", "--out", str(tmp_path / "r2"))
    assert proc.returncode == 2 and "--flow accel needs a model" in proc.stderr and "Traceback" not in proc.stderr
    proc = aigchip("eval", str(benchmark), "--flow", "twoshot", "--model", "offline", "--out", str(tmp_path / "r3"))
    said = " ".join(proc.stderr.replace("│", " ").split())  # typer draws its error in a box
    assert proc.returncode == 2 and "'twoshot' is not one of 'oneshot', 'accel'" in said


def test_grain_keeps_only_that_text_and_lists_the_tasks_without_it():
    from aigchip.bench.flows import at_grain
    from aigchip.task import Task

    tasks = [Task(id="a", top="a", spec={"high_level": "short", "detailed": "long"}),
             Task(id="b", top="b", spec={"detailed": "long only"})]
    kept, skipped = at_grain(tasks, "high_level")
    assert [t.spec for t in kept] == [{"high_level": "short"}] and kept[0].spec_text() == "short"
    assert skipped == [{"task": "b", "reason": "no spec at grain high_level (it has detailed)"}]
    assert at_grain(tasks, None) == (tasks, [])


@pytest.mark.sim
def test_a_sample_the_endpoint_failed_resumes_keeping_its_verified_modules(tmp_path):
    benchmark = bench(tmp_path)
    run = tmp_path / "run"

    class TopFails(Script):
        def __call__(self, body: dict):
            from aigchip.loopback import Response

            if "### The module `dot4_top`" in body["messages"][1]["content"]:
                return Response.fail(400, "the endpoint refused this request")
            return super().__call__(body)

    args = ["eval", str(benchmark), "--flow", "accel", "--model", "loop", "--no-lint", "--no-preflight",
            "--demos", "0", "--out", str(run), "--json"]
    answering = {"now": TopFails()}

    def answer(body: dict):  # whoever answers now, behind one endpoint (--resume checks it is the same)
        return answering["now"](body)

    with Loopback(handler=answer) as server:
        failed = aigchip(*args, "--base-url", server.base_url)
        assert failed.returncode == 2 and "every sample failed to get a reply" in failed.stderr
        record = json.loads((run / "results.jsonl").read_text().splitlines()[0])
        assert record["stopped"] == "model_error" and "dot4_top: model error" in record["message"]
        assert all(record["modules"][m]["status"] == "verified" for m in MODULES[:4])

        again = answering["now"] = Script()
        resumed = aigchip(*args, "--base-url", server.base_url, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = json.loads(resumed.stdout)
    assert summary["pass_at_k"]["1"] == 1.0 and summary["samples"]["retried"] == 1
    assert again.calls == [("design", "dot4_top", 0)]  # no plan, tests or verified module paid for twice
