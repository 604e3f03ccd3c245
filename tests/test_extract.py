"""From model replies (as GPT, Llama and Qwen write them) to designs, or to the reason there is none."""

from __future__ import annotations

import time

import pytest

from aigchip.extract import Extraction, extract
from aigchip.sim.source import module_names
from aigchip.sim.types import Severity, Status

ADDER = """module adder_4bit (
    input  [3:0] a,
    input  [3:0] b,
    output [4:0] sum
);
    assign sum = a + b;
endmodule"""

TESTBENCH = """`timescale 1ns/1ps
module tb_adder_4bit;
    reg [3:0] a, b;
    wire [4:0] sum;
    adder_4bit dut (.a(a), .b(b), .sum(sum));
    initial begin
        a = 4'd3; b = 4'd4; #10;
        if (sum !== 5'd7) $display("FAIL");
        $finish;
    end
endmodule"""


def source_of(result: Extraction) -> str:
    assert result.design is not None, [d.render() for d in result.diagnostics]
    (text,) = result.design.files.values()
    return text


def kept_modules(result: Extraction) -> list[str]:
    return module_names(source_of(result))


def codes(result: Extraction) -> list[str | None]:
    return [d.code for d in result.diagnostics]


def test_prose_and_one_fence_gives_the_module():
    reply = f"Sure! Here is a 4-bit adder:\n\n```verilog\n{ADDER}\n```\n\nThe `sum` output has a carry bit."
    result = extract(reply, "adder_4bit")
    assert result.status is None and result.diagnostics == []
    assert result.design.top == "adder_4bit"
    assert list(result.design.files) == ["adder_4bit.v"]
    assert source_of(result) == ADDER + "\n"
    assert result.language == "verilog"


def test_testbench_in_a_second_fence_is_left_out():
    reply = f"```verilog\n{ADDER}\n```\n\nYou can test it with:\n\n```verilog\n{TESTBENCH}\n```\n"
    result = extract(reply, "adder_4bit")
    assert kept_modules(result) == ["adder_4bit"]
    assert "tb_adder_4bit" not in source_of(result)


def test_submodule_the_top_instantiates_is_kept_and_unused_one_dropped():
    reply = """I split the design into a full adder and a ripple-carry chain.

```systemverilog
module full_adder (input a, b, cin, output s, cout);
    assign {cout, s} = a + b + cin;
endmodule

module unused_helper (input x, output y);
    assign y = ~x;
endmodule

module ripple #(parameter int W = 4) (input [W-1:0] a, b, output [W:0] sum);
    wire [W:0] c;
    assign c[0] = 1'b0;
    genvar i;
    generate for (i = 0; i < W; i++) begin : g
        full_adder fa (.a(a[i]), .b(b[i]), .cin(c[i]), .s(sum[i]), .cout(c[i+1]));
    end endgenerate
    assign sum[W] = c[W];
endmodule
```"""
    result = extract(reply, "ripple")
    assert kept_modules(result) == ["full_adder", "ripple"]
    assert list(result.design.files) == ["ripple.sv"] and result.language == "systemverilog"


def test_helper_in_a_later_fence_is_collected():
    top = "module top(input [3:0] a, b, output [4:0] s);\n    adder_4bit u0 (.a(a), .b(b), .sum(s));\nendmodule"
    reply = f"Top level:\n```verilog\n{top}\n```\nAnd the adder it uses:\n```verilog\n{ADDER}\n```"
    assert kept_modules(extract(reply, "top")) == ["top", "adder_4bit"]


def test_verilogeval_begin_done():
    reply = ("[BEGIN]\nmodule TopModule (input clk, input reset, output reg [3:0] q);\n"
             "  always @(posedge clk) if (reset) q <= 0; else q <= q + 1;\nendmodule\n[DONE]\n")
    result = extract(reply, "TopModule")
    assert kept_modules(result) == ["TopModule"]
    assert "[DONE]" not in source_of(result) and "[BEGIN]" not in source_of(result)


def test_bare_module_among_prose_keeps_only_code():
    reply = (f"The module below adds two numbers.\n`timescale` sets the time unit.\n\n`timescale 1ns / 1ps\n{ADDER}\n\n"
             "This module uses a continuous assignment; module adder_4bit has no clock.\n")
    result = extract(reply, "adder_4bit")
    assert kept_modules(result) == ["adder_4bit"]
    assert source_of(result) == f"`timescale 1ns / 1ps\n\n{ADDER}\n"


def test_unlabelled_and_tilde_fences():
    assert kept_modules(extract(f"```\n{ADDER}\n```", "adder_4bit")) == ["adder_4bit"]
    assert kept_modules(extract(f"~~~verilog\n{ADDER}\n~~~\ndone", "adder_4bit")) == ["adder_4bit"]


def test_fence_left_open_with_endmodule_is_usable_without_the_trailing_prose():
    reply = f"```verilog\n{ADDER}\n\nThis adder module handles the carry as bit 4."
    result = extract(reply, "adder_4bit")
    assert result.status is None
    assert source_of(result) == ADDER + "\n"


def test_reply_cut_off_inside_the_module_is_truncated_and_names_it():
    reply = ("Here is the FSM:\n```verilog\nmodule fsm (input clk, input rst, output reg y);\n"
             "  always @(posedge clk) begin\n    if (rst)")
    result = extract(reply, "fsm")
    assert result.design is None
    assert result.status is Status.COMPILE_ERROR
    assert codes(result) == ["truncated"]
    assert "`fsm`" in result.diagnostics[0].message and "endmodule" in result.diagnostics[0].message


def test_cut_off_submodule_the_top_needs_is_an_error():
    reply = ("```verilog\nmodule top(input a, output y);\n  inv u0 (.a(a), .y(y));\nendmodule\n\n"
             "module inv(input a, output y);\n  assign y =")
    result = extract(reply, "top")
    assert result.status is Status.COMPILE_ERROR and codes(result) == ["truncated"]
    assert "`inv`" in result.diagnostics[0].message


def test_cut_off_testbench_does_not_spoil_a_complete_design():
    reply = f"```verilog\n{ADDER}\n```\n\nTestbench:\n```verilog\n{TESTBENCH[:150]}"
    result = extract(reply, "adder_4bit")
    assert kept_modules(result) == ["adder_4bit"]
    assert codes(result) == ["truncated"] and result.diagnostics[0].severity is Severity.INFO


def test_cut_off_revision_falls_back_to_the_complete_definition():
    revised = ADDER.replace("a + b", "b + a")
    reply = f"```verilog\n{ADDER}\n```\nActually, a cleaner version:\n```verilog\n{revised[:60]}"
    result = extract(reply, "adder_4bit")
    assert source_of(result) == ADDER + "\n"
    assert [(d.code, d.severity) for d in result.diagnostics] == [("truncated", Severity.WARNING)]


def test_prose_only_and_refusal():
    result = extract("I'm sorry, but I can't help with designing that module.", "top")
    assert result.design is None and result.status is Status.NO_CODE
    assert codes(result) == ["prose-only"]
    assert "```verilog" in result.diagnostics[0].message and "`top`" in result.diagnostics[0].message


def test_empty_reply():
    for reply in ("", "   \n\n", "\x00"):
        result = extract(reply, "top")
        assert result.status is Status.NO_CODE and codes(result) == ["no-code"]


def test_other_language_fences_are_ignored():
    reply = "Here is a Python model:\n```python\nmodule = 3\ndef top(a, b):\n    return a + b\n```\n"
    result = extract(reply, "top")
    assert result.status is Status.NO_CODE
    assert "`python`" in result.diagnostics[0].message
    assert codes(extract("Run it with:\n```\niverilog -o sim top.v\n```", "top")) == ["no-code"]


def test_python_fence_next_to_verilog_fence():
    reply = f"```python\nprint('module x;')\n```\n```verilog\n{ADDER}\n```"
    assert kept_modules(extract(reply, "adder_4bit")) == ["adder_4bit"]


def test_wrong_module_name_is_reported_never_renamed():
    reply = f"```verilog\n{ADDER}\n```"
    result = extract(reply, "TopModule")
    assert result.design is None and result.status is Status.COMPILE_ERROR
    assert codes(result) == ["missing-top"]
    message = result.diagnostics[0].message
    assert "`TopModule`" in message and "`adder_4bit`" in message


def test_wrong_letter_case_gets_a_hint():
    result = extract("```verilog\nmodule topmodule(input a, output y); assign y = a; endmodule\n```", "TopModule")
    assert codes(result) == ["missing-top"] and "letter case" in result.diagnostics[0].message


def test_revised_module_later_in_the_reply_wins():
    first = "module counter(input clk, output reg [3:0] q);\n  always @(posedge clk) q <= q + 1;\nendmodule"
    revised = ("module counter(input clk, input rst, output reg [3:0] q);\n"
               "  always @(posedge clk) q <= rst ? 0 : q + 1;\nendmodule")
    reply = f"```verilog\n{first}\n```\nWait, I forgot the reset. Revised:\n```verilog\n{revised}\n```"
    result = extract(reply, "counter")
    assert source_of(result) == revised + "\n"
    assert codes(result) == ["duplicate-module"]
    assert result.diagnostics[0].severity is Severity.INFO and "`counter`" in result.diagnostics[0].message


def test_revised_top_keeps_helper_from_the_first_block():
    first = ("module top(input a, output y);\n  inv u0(.a(a), .y(y));\nendmodule\n"
             "module inv(input a, output y);\n  assign y = ~a;\nendmodule")
    revised = "module top(input a, output y);\n  inv u1(.a(a), .y(y));\nendmodule"
    timescale = "`timescale 1ns/1ps"
    result = extract(f"```verilog\n{timescale}\n{first}\n```\n```verilog\n{timescale}\n{revised}\n```", "top")
    assert kept_modules(result) == ["inv", "top"]
    assert "u1" in source_of(result) and "u0" not in source_of(result)
    assert source_of(result).count("`timescale") == 1


def test_crlf_reply():
    reply = f"Here you go:\n\n```verilog\n{ADDER}\n```\n".replace("\n", "\r\n")
    result = extract(reply, "adder_4bit")
    assert source_of(result) == ADDER + "\n"


@pytest.mark.parametrize("fence", ["```verilog\n", ""])
def test_two_megabyte_reply_is_fast(fence: str):
    filler = "module adds a and b; the module has no clock (it is combinational). " * 40 + "\n"
    reply = filler * (2_000_000 // len(filler)) + f"{fence}{ADDER}\n{fence[:3]}\n" + "x" * 100 + "\n"
    start = time.process_time()  # CPU seconds: guards against super-linear parsing, blind to machine load
    result = extract(reply, "adder_4bit")
    assert time.process_time() - start < 5
    assert kept_modules(result) == ["adder_4bit"]


DEGENERATE_CODE = {  # 2-3 MB each: a model stuck in a loop, or a hostile reply
    "blank lines": ("module top(input a, output y);\n" + "\n" * 999_999 + "  // module x(\n wire w;\n" * 80_000, None),
    "open brackets": ("module top(input a, output y);\n" + "foo bar [\n" * 200_000, None),
    "open parameter lists": ("module top(input a, output y);\n" + "foo #(\n" * 300_000, None),
    "fence lines": ("```\n" * 500_000, Status.NO_CODE),
    "cut-off drafts": ("module top(input a);\n" * 100_000, None),  # the last one is complete
}


@pytest.mark.parametrize("name", DEGENERATE_CODE)
def test_degenerate_replies_are_fast(name: str):
    code, expected_status = DEGENERATE_CODE[name]
    reply = "```verilog\n" + code + "  assign y = a;\nendmodule\n" + "/* never closed ```\n" * 10_000
    start = time.process_time()
    result = extract(reply, "top")
    assert time.process_time() - start < 5
    assert result.status is expected_status


def test_junk_bytes_and_nul():
    junk = b"\xff\xfe\x80 caf\xe9 \x00\x00".decode("utf-8", errors="replace")
    reply = f"{junk}\n```verilog\n{ADDER}\n```\n{junk}\x00"
    result = extract(reply, "adder_4bit")
    assert kept_modules(result) == ["adder_4bit"] and "\x00" not in source_of(result)


def test_module_words_in_comments_and_strings_do_not_count():
    reply = """```verilog
// module fake_one (input a);
/* module fake_two (input b); endmodule */
module top (input clk, output reg done);
    initial $display("module fake_three (x);");
    always @(posedge clk) done <= 1'b1;
endmodule
```"""
    result = extract(reply, "top")
    assert kept_modules(result) == ["top"]
    assert "// module fake_one" in source_of(result)


def test_labelled_endmodule_macromodule_and_parameter_header():
    reply = """```verilog
macromodule shifter #(parameter WIDTH = 8, parameter [2:0] MODE = 3'd1) (
    input  [WIDTH-1:0] d,
    output [WIDTH-1:0] q
);
    assign q = d << MODE;
endmodule : shifter
```"""
    result = extract(reply, "shifter")
    assert source_of(result).rstrip().endswith("endmodule : shifter")


def test_fence_words_inside_prose_and_indented_fences():
    reply = ("Put your code in a ```verilog block, like this:\n\n1. The adder:\n\n    ```verilog\n"
             + "\n".join("    " + line for line in ADDER.split("\n")) + "\n    ```\n")
    assert source_of(extract(reply, "adder_4bit")) == ADDER + "\n"


def test_closing_fence_glued_to_endmodule():
    reply = f"```verilog\n{ADDER}```\nThat module is all you need."
    assert source_of(extract(reply, "adder_4bit")) == ADDER + "\n"


def test_systemverilog_constructs_name_the_file_sv():
    reply = """```verilog
module fsm (input logic clk, rst, output logic busy);
    typedef enum logic [1:0] {IDLE, RUN} state_t;
    state_t state;
    always_ff @(posedge clk) state <= rst ? IDLE : RUN;
    assign busy = (state == RUN);
endmodule
```"""
    result = extract(reply, "fsm")
    assert list(result.design.files) == ["fsm.sv"] and result.language == "systemverilog"


def test_package_is_kept_when_the_top_imports_it():
    reply = """```systemverilog
package alu_pkg;
    typedef enum logic [1:0] {ADD, SUB} op_t;
endpackage

package unused_pkg;
    localparam int X = 1;
endpackage

module alu import alu_pkg::*; (input op_t op, input [7:0] a, b, output logic [7:0] y);
    always_comb y = (op == ADD) ? a + b : a - b;
endmodule
```"""
    text = source_of(extract(reply, "alu"))
    assert "package alu_pkg;" in text and "unused_pkg" not in text


def test_drafts_in_reasoning_are_ignored_when_there_is_an_answer():
    draft = "module adder_4bit(input [3:0] a, b, output [4:0] sum);\n  assign sum = a - b; // draft\nendmodule"
    reply = f"<think>\nFirst try:\n```verilog\n{draft}\n```\nNo, that subtracts.\n</think>\n```verilog\n{ADDER}\n```"
    result = extract(reply, "adder_4bit")
    assert source_of(result) == ADDER + "\n" and result.diagnostics == []


def test_fence_never_closed_before_the_next_one_opens():
    top = "module top(input [3:0] a, b, output [4:0] s);\n    adder_4bit u0 (.a(a), .b(b), .sum(s));\nendmodule"
    reply = f"```verilog\n{top}\n\nNow the adder:\n```verilog-2001\n{ADDER}\n```\n"
    result = extract(reply, "top")
    assert kept_modules(result) == ["top", "adder_4bit"]
    assert "Now the adder" not in source_of(result)
