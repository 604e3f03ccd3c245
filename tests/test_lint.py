"""Tool output becomes diagnostics with file, line, column, severity and code."""

import pytest

from aigchip.sim import lint
from aigchip.sim.types import Severity

IVERILOG_OUT = """\
bad.v:2: syntax error
bad.v:2: error: syntax error in continuous assignment
top.v:7: warning: Port 3 (y) of sub expects 8 bits, got 4.
top.v:9: error: Unable to bind wire/reg/memory `d' in `TopModule'
top.v:12: sorry: constant selects in always_* processes are not currently supported (all bits will be included).
error: Unable to find the root module "Foo" in the Verilog source.
1 error(s) during elaboration.
"""

VVP_OUT = """\
ERROR: tb.v:14: $readmemh: Unable to open data.hex for reading.
FATAL: tb.v:20: assertion failed
WARNING: tb.v:3: $dumpvars: unknown scope
Mismatches: 0 in 10 samples
"""

VERILATOR_OUT = """\
%Warning-UNUSEDSIGNAL: mac.v:12:22: Signal is not used: 'spare'
                                  : ... note: In instance 'mac'
   12 |   wire signed [15:0] spare;
      |                      ^~~~~
                       ... For warning description see https://verilator.org/warn/UNUSEDSIGNAL?v=5.048
%Warning-WIDTHTRUNC: mac.v:20:16: Operator ASSIGNDLY expects 16 bits on the Assign RHS, but Assign RHS's ADD generates 17 bits.
%Error: mac.v:30:5: syntax error, unexpected endmodule
%Error-UNSUPPORTED: mac.v:31:1: Unsupported: something
%Error: Cannot find file containing module: 'nowhere'
%Error: Exiting due to 2 error(s)
"""


def test_iverilog_errors_warnings_and_unsupported():
    found = lint.parse_iverilog(IVERILOG_OUT)
    rendered = [d.render() for d in found]
    assert rendered[0] == "bad.v:2: error: syntax error in continuous assignment"  # merged with its detail
    assert any(d.severity is Severity.WARNING and d.file == "top.v" and d.line == 7 for d in found)
    assert any("bind wire/reg/memory `d'" in d.message and d.line == 9 for d in found)
    assert any(d.message.startswith("unsupported by Icarus Verilog") for d in found)
    assert any(d.file is None and "root module \"Foo\"" in d.message for d in found)
    assert len([d for d in found if d.line == 2]) == 1


def test_vvp_runtime_messages():
    found = lint.parse_iverilog(VVP_OUT)
    assert [(d.severity, d.file, d.line) for d in found] == [
        (Severity.ERROR, "tb.v", 14), (Severity.ERROR, "tb.v", 20), (Severity.WARNING, "tb.v", 3)]
    assert all(d.source == "vvp" for d in found)


def test_verilator_codes_columns_and_noise():
    found = lint.parse_verilator(VERILATOR_OUT)
    assert found[0].code == "UNUSEDSIGNAL" and found[0].line == 12 and found[0].column == 22
    assert found[0].severity is Severity.WARNING
    assert any(d.code == "WIDTHTRUNC" for d in found)
    errors = [d for d in found if d.severity is Severity.ERROR]
    assert [(d.line, d.code) for d in errors] == [(30, None), (31, "UNSUPPORTED"), (None, None)]
    assert not any("Exiting due to" in d.message for d in found)


@pytest.mark.sim
def test_syntax_gate_on_real_iverilog(tmp_path):
    (tmp_path / "bad.v").write_text("module TopModule(input a, output b);\n  assign b = a +;\nendmodule\n")
    found, result = lint.syntax_gate(tmp_path, ["bad.v"], "TopModule")
    assert result.returncode != 0
    assert [(d.file, d.line, d.severity) for d in found] == [("bad.v", 2, Severity.ERROR)]
    assert (tmp_path / "syntax.log").read_text() == result.output


@pytest.mark.verilator
def test_verilator_lint_reports_warning_codes(tmp_path):
    (tmp_path / "m.v").write_text(
        "module m(input clk, input [7:0] a, output reg [3:0] y);\n  wire spare;\n  always @(posedge clk) y <= a;\nendmodule\n")
    found, _ = lint.verilator_lint(tmp_path, ["m.v"], "m")
    codes = {d.code for d in found}
    assert "WIDTHTRUNC" in codes and "UNUSEDSIGNAL" in codes
    assert all(d.severity is Severity.WARNING and d.file == "m.v" for d in found)


@pytest.mark.verilator
def test_the_same_design_is_linted_once_and_every_check_sees_its_warnings(tmp_path, monkeypatch):
    from aigchip.sim.check import verify

    design = "module m(input clk, input [7:0] a, output reg [3:0] y);\n  wire spare;\n  always @(posedge clk) y <= a;\nendmodule\n"
    calls = []
    real = lint.verilator_lint
    monkeypatch.setattr(lint, "verilator_lint", lambda *a, **k: calls.append(a) or real(*a, **k))
    from aigchip.sim.types import Design

    first = verify(Design(files={"m.v": design}, top="m"), use_cache=False, keep_dir=tmp_path / "one")
    second = verify(Design(files={"m.v": design}, top="m"), use_cache=False, keep_dir=tmp_path / "two")
    other = verify(Design(files={"m.v": design.replace("spare", "extra")}, top="m"), use_cache=False)
    assert len(calls) == 2  # the repeated design is not linted again; a changed one is
    for verdict in (first, second):
        assert {"WIDTHTRUNC", "UNUSEDSIGNAL"} <= {d.code for d in verdict.diagnostics}
    assert "UNUSEDSIGNAL" in (tmp_path / "two").rglob("lint.log").__next__().read_text()
    assert "extra" in " ".join(d.message for d in other.diagnostics)
