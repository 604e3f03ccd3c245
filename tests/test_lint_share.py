"""One Verilator lint for k candidates (sim/lint_share.py): every candidate gets exactly the diagnostics its
lint alone gives, on a mix of clean, warning, broken and hostile designs; what cannot share is linted alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigchip.sim import lint, lint_share
from aigchip.sim.types import Design

pytestmark = pytest.mark.verilator

ROOT = Path(__file__).parent.parent
RELU = (ROOT / "datasets" / "accelbench" / "relu6_s8" / "relu6_s8.v").read_text()

# warnings on the module's header line, after its (renamed) name: their columns must come back as alone
HEADER = ("module relu6_s8(input clk, input rst, input valid_in, input [31:0] din, input [7:0] six, "
          "output reg valid_out, output reg [31:0] dout);\n  wire spare;\n"
          "  always @(posedge clk) begin valid_out <= valid_in; dout <= {24'd0, six}; end\nendmodule\n")
# a hierarchy: warnings in both modules, and on the instance's line after the (renamed) module type
TWO = ("module lane(input [7:0] x, input [7:0] six, output [7:0] y, output unused_out);\n"
       "  assign y = x[7] ? 8'd0 : (x > six ? six : x);\nendmodule\n"
       "module relu6_s8(input clk, input rst, input valid_in, input [31:0] din, input [7:0] six,\n"
       "                output reg valid_out, output reg [31:0] dout);\n  wire [31:0] r;\n"
       "  lane l0(.x(din[7:0]), .six(six), .y(r[7:0]), .unused_out());\n  lane l1(.x(din[15:8]), .six(six), "
       ".y(r[15:8]), .unused_out());\n"
       "  lane l2(.x(din[23:16]), .six(six), .y(r[23:16]), .unused_out());\n"
       "  lane l3(.x(din[31:24]), .six(six), .y(r[31:24]), .unused_out());\n"
       "  always @(posedge clk) if (rst) begin valid_out <= 0; dout <= 0; end\n"
       "  else begin valid_out <= valid_in; if (valid_in) dout <= r; end\nendmodule\n")
TIMESCALED = "`timescale 1ns/1ps\n" + HEADER

MIX = {
    "clean": {"relu6_s8.v": RELU},
    "header_warnings": {"relu6_s8.v": HEADER},
    "two_modules": {"relu6_s8.v": TWO},
    "two_files": {"lane.v": TWO.split("module relu6_s8")[0], "relu6_s8.v": "module relu6_s8" + TWO.split("module relu6_s8")[1]},
    "syntax_error": {"relu6_s8.v": "module relu6_s8(input clk; endmodule\n"},
    "undefined_module": {"relu6_s8.v": "module relu6_s8(input a, output b);\n  lane u(.x(a), .y(b));\nendmodule\n"},
    "duplicate_module": {"relu6_s8.v": HEADER + HEADER.replace("wire spare", "wire other")},
    "lint_off_at_end": {"relu6_s8.v": HEADER + "/* verilator lint_off UNUSEDSIGNAL */\n// verilator lint_off WIDTH\n"},
    "define_leaks": {"relu6_s8.v": HEADER + "`define spare 1\n`default_nettype none\n"},
    "include": {"relu6_s8.v": "`include \"absent.vh\"\n" + HEADER},
    "timescale": {"relu6_s8.v": TIMESCALED},
    "timescale_too": {"relu6_s8.v": TIMESCALED.replace("wire spare", "wire other")},
    "unreached_module": {"relu6_s8.v": HEADER + "module extra(input a, output b); endmodule\n"},
    "prefix_names": {"relu6_s8.v": TWO.replace("lane", "relu6_s8x")},
    "tab_on_header": {"relu6_s8.v": HEADER.replace("(input clk,", "(input\tclk,")},
    "root_reach": {"relu6_s8.v": HEADER.replace("wire spare;", "wire spare = $root.relu6_s8.rst;")},
    "clean_too": {"relu6_s8.v": "// another way\n" + RELU},
    # a waiver switched on again in the same file reaches no other file: shared
    "balanced_waivers": {"relu6_s8.v": HEADER.replace("  wire spare;\n", "  /* verilator lint_off UNUSEDSIGNAL */\n"
                                                      "  wire spare;\n  // verilator lint_on UNUSEDSIGNAL\n")},
    # the lint_on is in a string, not a comment: the lint_off would reach the next files
    "waiver_in_string": {"relu6_s8.v": HEADER.replace("  wire spare;\n", "  /* verilator lint_off UNUSEDSIGNAL */\n"
                                                      "  wire spare;\n  initial $display(\"/* verilator lint_on "
                                                      "UNUSEDSIGNAL */\");\n")},
    # Verilator reads other tools' metacomments too
    "cadence_translate": {"relu6_s8.v": HEADER.replace("  wire spare;\n", "  // cadence translate_off\n  wire spare;\n"
                                                       "  // cadence translate_on\n")},
    # switches on a warning the command line waives, for every file after it
    "lint_on_waived": {"relu6_s8.v": "/* verilator lint_on DECLFILENAME */\n" + HEADER},
}
SHARES = {"clean", "header_warnings", "two_modules", "two_files", "timescale", "timescale_too", "clean_too",
          "balanced_waivers"}


def alone(tmp_path: Path, name: str, files: dict[str, str]) -> tuple[list[dict], str]:
    folder = tmp_path / "alone" / name
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).write_text(text)
    found, _ = lint.verilator_lint(folder, list(files), "relu6_s8")
    return [d.model_dump() for d in found], (folder / "lint.log").read_text()


def test_each_candidate_gets_the_diagnostics_it_gets_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())
    members = []
    for name, files in MIX.items():
        folder = tmp_path / "shared" / name
        folder.mkdir(parents=True)
        for file, text in files.items():
            (folder / file).write_text(text)
        members.append((folder, Design(files=files, top="relu6_s8")))
    runs = []
    real = lint_share._run

    def spy(chosen, timeout):
        runs.append([m.index for m in chosen])
        return real(chosen, timeout)

    monkeypatch.setattr(lint_share, "_run", spy)
    shared = lint_share.lint_together(members, timeout=60)
    decided = {name for name, found in zip(MIX, shared) if found is not None}
    assert decided == SHARES
    assert len(runs) == 4  # no timescale: parse errors named, elaboration errors named, clean; the same timescale: one
    for (name, files), found in zip(MIX.items(), shared):
        if found is not None:
            want, _ = alone(tmp_path, name, files)
            assert [d.model_dump() for d in found] == want, name
    assert any(d.column and d.line == 1 for d in shared[list(MIX).index("header_warnings")] or [])
    assert len(shared[list(MIX).index("two_modules")] or []) >= 3
    for name in ("header_warnings", "two_modules"):
        log = (tmp_path / "shared" / name / "lint.log").read_text()
        assert "src" not in log and "Q" + "x" not in log.split("relu6_s8")[0]


def test_a_broken_neighbour_is_linted_alone_and_the_rest_still_share(tmp_path, monkeypatch):
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())
    names = ["header_warnings", "syntax_error", "undefined_module", "two_modules"]
    members = []
    for name in names:
        folder = tmp_path / name
        folder.mkdir()
        for file, text in MIX[name].items():
            (folder / file).write_text(text)
        members.append((folder, Design(files=MIX[name], top="relu6_s8")))
    shared = lint_share.lint_together(members, timeout=60)
    assert [found is not None for found in shared] == [True, False, False, True]
    for name, found in zip(names, shared):
        if found is not None:
            assert [d.model_dump() for d in found] == alone(tmp_path, name, MIX[name])[0]


def test_a_neighbours_metacomment_cannot_hide_or_add_a_warning(tmp_path, monkeypatch):
    """Were the hostile candidate shared, its lint_off would reach the files read after it."""
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())
    hostile = {"relu6_s8.v": "/* verilator lint_off UNUSEDSIGNAL */\n/* verilator lint_off WIDTHTRUNC */\n" + RELU}
    members = []
    for name, files in (("hostile", hostile), ("a", MIX["header_warnings"]), ("b", MIX["two_modules"])):
        folder = tmp_path / name
        folder.mkdir()
        for file, text in files.items():
            (folder / file).write_text(text)
        members.append((folder, Design(files=files, top="relu6_s8")))
    shared = lint_share.lint_together(members, timeout=60)
    assert shared[0] is None
    assert [d.model_dump() for d in shared[1] or []] == alone(tmp_path, "a", MIX["header_warnings"])[0]
    assert any(d["code"] == "UNUSEDSIGNAL" for d in alone(tmp_path, "a2", MIX["header_warnings"])[0])


@pytest.mark.sim
def test_verify_many_with_lint_on_gives_each_verdict_as_alone(monkeypatch):
    """The checks of k candidates (cocotb tests, Icarus, lint on) share one lint; each verdict equals verify()."""
    import importlib.util

    from aigchip.sim import tools
    from aigchip.sim.check import VerifyOptions, verify, verify_many

    if not (importlib.util.find_spec("cocotb_tools") and tools.available("iverilog")):
        pytest.skip("needs Icarus Verilog and cocotb 2.1")
    tests = ROOT / "datasets" / "accelbench" / "relu6_s8" / "test_relu6_s8.py"
    options = VerifyOptions(tests=tests, use_cache=False)
    texts = [MIX[n]["relu6_s8.v"] for n in ("clean", "header_warnings", "two_modules", "lint_off_at_end", "clean_too")]
    calls = []
    real = lint_share.lint_together

    def spy(members, timeout):
        found = real(members, timeout)
        calls.append([f is not None for f in found])
        return found

    monkeypatch.setattr(lint_share, "lint_together", spy)
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())
    shared = verify_many([(Design(files={"relu6_s8.v": t}, top="relu6_s8"), options) for t in texts])
    assert calls == [[True, True, True, False, True]]
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())

    def comparable(verdict):  # a cocotb message may name the (random) run folder
        import json
        import re

        dumped = json.dumps(verdict.model_dump(mode="json", exclude={"log", "duration_s", "run_dir", "cached"}))
        return re.sub(r"/tmp/aigchip-[\w-]+/", "RUN/", dumped)

    assert [comparable(v) for v in shared] == [
        comparable(verify(Design(files={"relu6_s8.v": t}, top="relu6_s8"), options)) for t in texts]
    assert any(d.code == "UNUSEDSIGNAL" for d in shared[1].diagnostics)


def test_a_shared_lint_that_runs_out_of_time_decides_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())
    monkeypatch.setattr(lint_share, "SHARED_TIMEOUT_S", 0.001)
    members = []
    for name in ("clean", "header_warnings"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "relu6_s8.v").write_text(MIX[name]["relu6_s8.v"])
        members.append((folder, Design(files=MIX[name], top="relu6_s8")))
    assert lint_share.lint_together(members, timeout=60) == [None, None]
    assert not lint._LINTED  # nothing half-read is remembered


def test_a_neighbours_top_port_cannot_add_a_hidden_name_warning(tmp_path, monkeypatch):
    """Verilator keeps every top's ports in one scope: a neighbour's port `x` would make a function's argument
    `x` "hide a declaration in an upper scope", which alone it does not."""
    monkeypatch.setattr(lint, "_LINTED", type(lint._LINTED)())
    func = ("module relu6_s8(input [7:0] din, output [7:0] dout);\n"
            "  function [7:0] twice(input [7:0] x);\n    twice = x + x;\n  endfunction\n"
            "  assign dout = twice(din);\nendmodule\n")
    port = "module relu6_s8(input [7:0] x, output [7:0] y);\n  assign y = x;\nendmodule\n"
    members = []
    for name, text in (("func", func), ("port", port), ("func_too", "// again\n" + func)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "relu6_s8.v").write_text(text)
        members.append((folder, Design(files={"relu6_s8.v": text}, top="relu6_s8")))
    shared = lint_share.lint_together(members, timeout=60)
    assert not any(d["code"] == "VARHIDDEN" for d in alone(tmp_path, "func_alone", {"relu6_s8.v": func})[0])
    assert shared[0] is None and shared[2] is None  # the shared run said VARHIDDEN: linted alone
    assert [d.model_dump() for d in shared[1] or []] == alone(tmp_path, "port_alone", {"relu6_s8.v": port})[0]
