"""The accelerator plan: reading it, checking it (structure, then stubs compiled by a real parser), showing it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from aigchip.accel import plan as plans
from aigchip.accel import plan_check, show, waves
from tests.accel_fixture import DOT4, plan_text


def dot4() -> dict:
    return yaml.safe_load(plan_text())


def with_module(data: dict, name: str, **changes) -> dict:
    for module in data["modules"]:
        if module["name"] == name:
            module.update(changes)
    return data


def kinds(data: dict) -> list[str]:
    return [p.kind for p in plan_check.check(plans.Plan.model_validate(data))]


def test_the_fixture_plan_reads_round_trips_through_yaml_and_orders_children_first():
    plan = plans.parse(f"Here is my plan.\n\n```yaml\n{plan_text()}```\nDone.")
    assert plan.order() == ["mul8", "add4", "dot4_core", "relu18", "dot4_top"]
    assert plan.module("dot4_core").children == ["mul8", "add4"]
    assert plan.ancestors("mul8") == ["dot4_core", "dot4_top"]
    again = plans.parse(plan.to_yaml())
    assert again == plan
    assert "model: |" in plan.to_yaml()  # code stays readable as a block
    assert plan.fingerprint("mul8") == again.fingerprint("mul8") != plan.fingerprint("add4")


def test_a_childs_header_change_changes_its_parents_fingerprint_but_not_its_siblings():
    before = plans.Plan.model_validate(dot4())
    after = plans.Plan.model_validate(with_module(dot4(), "mul8", header=before.module("mul8").header.replace(
        "output wire signed [15:0] p", "output wire signed [16:0] p")))
    changed = [n for n in before.names if before.fingerprint(n) != after.fingerprint(n)]
    assert changed == ["mul8", "dot4_core"]


@pytest.mark.parametrize("text, words", [
    ("modules: [unclosed", "not valid YAML at line 1"),
    ("just prose, no plan", "must be a YAML mapping"),
    ("name: x\ntop: x\nsummary: s\nmodules: []\n", "modules"),
    ("name: x\ntop: x\nsummary: s\nmodules:\n- name: 9bad\n  spec: {high_level: a, detailed: b}\n  header: h\n",
     "not a Verilog identifier"),
    ("name: x\ntop: x\nsummary: s\ncolour: red\nmodules:\n- name: m\n  spec: {high_level: a, detailed: b}\n  header: h\n",
     "colour: not a field of the plan"),
])
def test_unreadable_plans_say_what_and_where(text, words):
    with pytest.raises(plans.PlanError) as caught:
        plans.parse(text)
    assert words in str(caught.value)


def test_structural_problems_are_classified_without_any_tool():
    data = with_module(dot4(), "add4", structure="dot4_core u_loop (.a(32'd0), .b(32'd0), .s());")
    assert "cycle" in kinds(data)
    problems = plan_check.structural(plans.Plan.model_validate(data))
    assert any("dot4_core -> add4 -> dot4_core" in p.message or "add4 -> dot4_core -> add4" in p.message
               for p in problems if p.kind == "cycle")

    data = with_module(dot4(), "dot4_core", structure=dot4()["modules"][3]["structure"].replace("add4 u_add", "adder4 u_add"))
    problems = plan_check.structural(plans.Plan.model_validate(data))
    assert [(p.kind, p.module) for p in problems if p.kind == "missing_module"] == [("missing_module", "dot4_core")]
    assert "`adder4`" in problems[0].message
    assert ("unreachable", "add4") in [(p.kind, p.module) for p in problems]

    data = dot4()
    data["modules"].append(dict(data["modules"][0]))
    data["top"] = "dot4"
    assert {"duplicate_module", "missing_top"} <= set(kinds(data))

    data = with_module(dot4(), "relu18", header="module relu (input wire signed [17:0] x, output wire [17:0] y);",
                       model="class Model:\n  def step(self, inputs)\n    return {}")
    assert {"header_name", "python_syntax"} <= set(kinds(data))


@pytest.mark.sim
def test_stubs_catch_a_width_mismatch_and_a_wrong_port_at_an_instance():
    data = with_module(dot4(), "relu18", header="module relu18 (input wire signed [15:0] x, output wire [17:0] y);")
    problems = plan_check.check(plans.Plan.model_validate(data))
    assert [(p.kind, p.module) for p in problems] == [("width_mismatch", "dot4_top")]
    assert "u_relu" in problems[0].message and "16" in problems[0].message and "18" in problems[0].message

    structure = dot4()["modules"][4]["structure"].replace(".y(relu)", ".out(relu)")
    problems = plan_check.check(plans.Plan.model_validate(with_module(dot4(), "dot4_top", structure=structure)))
    assert "port_mismatch" in [p.kind for p in problems]
    assert any("out" in p.message for p in problems)


@pytest.mark.sim
@pytest.mark.parametrize("edit, kind", [
    (lambda text: text.replace("modules:\n", "modules: [\n", 1), "unparseable"),
    (lambda text: text.replace("add4 u_add (", "dot4_top u_add (", 1), "cycle"),
    (lambda text: text.replace("relu18 u_relu", "relu u_relu"), "missing_module"),
    (lambda text: text.replace("wire [17:0] relu;", "wire [7:0] relu;"), "width_mismatch"),
])
def test_a_bad_plan_given_on_the_command_line_is_a_classified_error_without_traceback(tmp_path, edit, kind):
    bad = tmp_path / "plan.yaml"
    bad.write_text(edit(plan_text()))
    proc = subprocess.run([sys.executable, "-m", "aigchip.cli", "accel", "--plan", str(bad), "--out",
                           str(tmp_path / "run"), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["status"] == "plan_error"
    assert kind in [p["kind"] for p in summary["problems"]]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    if kind != "width_mismatch":
        return
    human = subprocess.run([sys.executable, "-m", "aigchip.cli", "accel", "--plan", str(bad)],
                           capture_output=True, text=True, timeout=120)
    assert human.returncode == 2 and f"[{kind}]" in human.stderr and "Traceback" not in human.stderr


def test_the_plan_tree_and_the_text_a_person_approves():
    plan = plans.Plan.model_validate(dot4())
    text = show.plan_text(plan)
    assert "Decisions:" in text and "ReLU clamps negative sums to 0" in text
    assert "dot4_core (instantiates mul8, add4)" in text
    node = {"name": "top", "status": "verified", "tests": "plan", "iterations": 1, "children": [
        {"name": "a", "status": "verified", "reused": True, "children": []},
        {"name": "b", "status": "failed", "tests": "model", "iterations": 3, "repairs": 1, "children": []}]}
    assert show.tree_lines(node) == ["top  [verified, tests: plan, 1 iter]",
                                     "├── a  [verified, kept from an earlier run]",
                                     "└── b  [failed, tests: model, 3 iter, repaired 1x]"]


@pytest.mark.parametrize("condition, values, expected", [
    ("out_valid && out_ready", {"out_valid": 1, "out_ready": 1}, True),
    ("out_valid && !stall", {"out_valid": 1, "stall": 1}, False),
    ("state == 2'b10 || done", {"state": 2, "done": 0}, True),
    ("(a & 4'h3) != 0", {"a": 4}, False),
    ("out_valid", {"out_valid": None}, False),  # x is never a completed job
])
def test_job_conditions_are_evaluated_safely(condition, values, expected):
    assert waves.Condition(condition)(values) is expected


@pytest.mark.parametrize("condition", ["__import__('os').system('true')", "a.b", "[x for x in y]", "f(x)"])
def test_job_conditions_refuse_anything_but_logic(condition):
    with pytest.raises(ValueError):
        waves.Condition(condition)


def test_fixture_files_exist():
    assert (DOT4 / "plan.yaml").is_file() and len(list((DOT4 / "rtl").glob("*.v"))) == 7
