"""Lint runs verilator_bin directly (the `verilator` Perl script costs ~70 ms of CPU a run, most of a lint):
every design must get exactly the diagnostics, and the log, that the script gives."""

import re
import shutil

import pytest

from aigchip.sim import lint, process, tools
from aigchip.sim.types import Severity

pytestmark = pytest.mark.verilator

DESIGNS = {
    "clean": {"m.v": "module m #(parameter W = 8) (input clk, input [W-1:0] a, output reg [W-1:0] y);\n"
                     "  always @(posedge clk) y <= a;\nendmodule\n"},
    "warnings": {"m.v": "module m(input clk, input [7:0] a, output reg [3:0] y);\n  wire spare;\n"
                        "  always @(posedge clk) y <= a;\nendmodule\n"},
    "syntax_error": {"m.v": "module m(input a, output b);\n  assign b = a +;\nendmodule\n"},
    "missing_module": {"m.v": "module m(input a, output b);\n  nowhere u(.x(a), .y(b));\nendmodule\n"},
    "duplicate_modules": {"m.v": "module s(input a, output b); assign b = a; endmodule\n"
                                 "module m(input a, output b); s u(.a(a), .b(b)); endmodule\n",
                          "n.v": "module s(input a, output b); assign b = ~a; endmodule\n"},
    "lint_off_comments": {"m.v": "/* verilator lint_off UNUSEDSIGNAL */\nmodule m(input clk, input [7:0] a, output [3:0] y);\n"
                                 "  wire spare;\n  // verilator lint_off WIDTHTRUNC\n  assign y = a;\nendmodule\n"
                                 "// verilator lint_on\n"},
    "includes": {"m.v": "`include \"defs.vh\"\n`include \"absent.vh\"\nmodule m(input a, output b);\n"
                        "  assign b = a;\nendmodule\n",
                 "defs.vh": "`define W 8\n"},
    "many_warnings": {"m.v": "module m(input clk, " + ", ".join(f"input [7:0] i{n}" for n in range(70))
                             + ", output y);\n  assign y = clk;\nendmodule\n"},
}


def _wrapper(monkeypatch):
    tool = tools.find("verilator")
    monkeypatch.setattr(tools, "verilator_direct",
                        lambda: (tool.path, {**tool.environ, "VERILATOR_ROOT": tools.verilator_root()}, False))


def _steady(log: str) -> str:
    return re.sub(r"(?m)^- Verilator: Walltime.*$", "", log)  # the run's own timing


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_direct_lint_equals_the_verilator_script(tmp_path, monkeypatch, name):
    files = DESIGNS[name]
    found = {}
    for way in ("direct", "script"):
        folder = tmp_path / "run"  # the same path both ways: Verilator's messages may name the folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for file, text in files.items():
            (folder / file).write_text(text)
        with monkeypatch.context() as patch:
            if way == "script":
                _wrapper(patch)
            diagnostics, result = lint.verilator_lint(folder, [f for f in files if f.endswith(".v")], "m",
                                                      parameters=(("W", 4),) if name == "clean" else ())
        assert result.argv[0].endswith("verilator_bin" if way == "direct" else "verilator")
        found[way] = ([d.model_dump() for d in diagnostics], _steady((folder / "lint.log").read_text()))
    assert found["direct"] == found["script"]
    if name == "clean":
        assert found["direct"][0] == []
    if name != "clean" and name != "lint_off_comments":
        assert found["direct"][0], "the mix must give diagnostics to compare"


def test_a_verilator_crash_is_reported_as_the_script_reports_it(tmp_path):
    crashed = process.ProcessResult(["verilator_bin"], -11, "", 0.1)
    note = lint.fault_note(crashed)
    assert note == "%Error: Verilator internal fault, sorry. Suggest trying --debug --gdbbt\n"
    assert [(d.severity, d.message) for d in lint.parse_verilator(note)] == [
        (Severity.ERROR, "Verilator internal fault, sorry. Suggest trying --debug --gdbbt")]
    assert lint.fault_note(process.ProcessResult(["verilator_bin"], -6, "", 0.1)).startswith("%Error: Verilator aborted.")
    assert lint.fault_note(process.ProcessResult(["verilator_bin"], 1, "", 0.1)) == ""
    assert lint.fault_note(process.ProcessResult(["verilator_bin"], -9, "", 0.1, timed_out=True)) == ""


def test_the_stack_is_unlimited_as_the_script_makes_it(tmp_path):
    shown = process.run(["/bin/sh", "-c", "ulimit -s"], cwd=tmp_path, timeout=30,
                        limits=process.Limits(stack_unlimited=True))
    plain = process.run(["/bin/sh", "-c", "ulimit -s"], cwd=tmp_path, timeout=30)
    import resource

    hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
    want = "unlimited" if hard == resource.RLIM_INFINITY else str(hard // 1024)
    assert shown.output.strip() == want
    assert plain.output.strip() == str(resource.getrlimit(resource.RLIMIT_STACK)[0] // 1024)
