"""sim.policy: generated Verilog with dangerous constructs is refused, naming the rule, file and line."""

from __future__ import annotations

import random
import re
import time

import pytest

from aigchip.sim import policy
from aigchip.sim.types import Design, Severity

COUNTER = """\
// 8-bit counter with synchronous reset
module counter #(parameter WIDTH = 8) (
    input  wire clk,
    input  wire rst,
    output reg [WIDTH-1:0] q
);
    always @(posedge clk) begin
        if (rst) q <= {WIDTH{1'b0}};
        else     q <= q + 1'b1;
    end
endmodule
"""

FIFO = """\
module fifo #(parameter DEPTH = 16, parameter W = 8) (
    input  wire         clk, rst, push, pop,
    input  wire [W-1:0] din,
    output wire [W-1:0] dout,
    output wire         full, empty
);
    reg [W-1:0] mem [0:DEPTH-1];
    reg [4:0] wr, rd;
    real ratio = 1.5;
    initial $readmemh("fifo_init.hex", mem);  // preload; "$finish" here is only text
    assign dout  = mem[rd[3:0]];
    assign empty = (wr == rd);
    assign full  = (wr[3:0] == rd[3:0]) && (wr[4] != rd[4]);
    always @(posedge clk) begin : update
        if (rst) begin wr <= 0; rd <= 0; end
        else begin
            if (push && !full) begin mem[wr[3:0]] <= din; wr <= wr + 1; end
            if (pop && !empty) rd <= rd + 1;
        end
    end
endmodule

module fifo_pair (input wire clk, rst, output wire e);
    wire [7:0] d0, d1;
    wire f0, f1, e1;
    fifo #(.DEPTH(16), .W(8)) first (.clk(clk), .rst(rst), .push(1'b1), .pop(1'b0),
        .din(8'h00), .dout(d0), .full(f0), .empty(e));
    fifo second (.clk, .rst, .push(f0), .pop(first.empty), .din(d0), .dout(d1), .full(f1), .empty(e1));
endmodule
"""

TESTBENCH = """\
`timescale 1 ps/1 ps
module tb();
    typedef struct packed {
        int errors;
        int clocks;
    } stats;
    stats stats1;
    reg clk = 0;
    wire [7:0] q_ref, q_dut;
    RefModule good1 (.clk(clk), .q(q_ref));
    TopModule top_module1 (.clk(clk), .q(q_dut));
    final $display("Mismatches: %1d in %1d samples", stats1.errors, stats1.clocks);
endmodule
"""


def run(text: str, name: str = "top.v", **kwargs) -> list:
    # fifo_init.hex: FIFO's own data file (when a testbench decides, a design reads only its own files)
    files = {name: text, **({"fifo_init.hex": "00\n"} if "fifo_init.hex" in text else {})}
    return policy.check(Design(files=files, top="TopModule"), **kwargs)


def judged(text: str, name: str = "top.v") -> list:
    """Check as a design whose pass/fail a testbench decides."""
    testbench = {"tb.sv": TESTBENCH, "ref.sv": "module RefModule(); endmodule"}
    return run(text, name, testbench_decides=True, testbench_files=testbench)


def codes(diagnostics: list) -> list[str | None]:
    return [d.code for d in diagnostics]


def wrap(body: str) -> str:
    """A one-line module body at line 3 of a small module."""
    return f"module TopModule(input clk, output reg [7:0] q);\n    reg [7:0] m [0:3];\n    {body}\nendmodule\n"


@pytest.mark.parametrize("body, rule", [
    ('initial $c("system(\\"ls\\")");', "verilator-c"),
    ("always @(posedge clk) q <= $c32(\"run()\");", "verilator-c"),
    ('initial $cpure("x");', "verilator-c"),
    ("`systemc_header", "verilator-c"),
    ("`systemc_implementation", "verilator-c"),
    ('import "DPI-C" function int system(input string cmd);', "dpi"),
    ('export   "dpi-c"   task t;', "dpi"),
    ('import"DPI" function void f();', "dpi"),
    ('initial $system("rm -rf ~");', "system"),
    ("initial $system;", "system"),
    ('initial $fopen("/tmp/x", "w");', "file-access"),
    ('initial $readmemh("/etc/passwd", m);', "file-access"),
    ('initial $readmemb("../secret.bin", m);', "file-access"),
    ('initial $readmemh("data/../../x.hex", m);', "file-access"),
    ('initial $writememh("~/.bashrc", m);', "file-access"),
    ('initial $readmemh("C:\\\\Windows\\\\x.hex", m);', "file-access"),
    ('initial $dumpfile("/tmp/w.vcd");', "file-access"),
    ("initial $readmemh(FILE, m);", "file-access"),
    ('initial $readmemh({"/et", "c/passwd"}, m);', "file-access"),
    ("initial $readmemh(`ROM_FILE, m);", "file-access"),
    ('initial $readmemh("\\056\\056/x.hex", m);', "file-access"),
    ('`include "/etc/passwd"', "include"),
    ('`include "../secret.v"', "include"),
    ("`include </usr/include/x.vh>", "include"),
    ("`include `FILE", "include"),
    ("`define S(a) $sys``a", "macro-paste"),
    ('initial $sys`EMPTY("id");', "macro-paste"),
    ("initial q = `EMPTY()tem;", "macro-paste"),
    ("`define SHELL $system", "system"),
    ("`define INLINE $c", "verilator-c"),
    ('`define DPI "DPI-C"', "dpi"),
    ("import `DPI function void f();", "dpi"),
    ('initial $readmemh(  /* tricky */ "/etc/passwd", m);', "file-access"),
    ('integer f; initial $ivlh_file_open(f, "/tmp/x", 1);', "file-access"),  # Icarus's VHDL I/O, from Verilog
    ('initial begin $readmempath("/etc"); $readmemh("hostname", m); end', "file-access"),
    ('initial $dumpports(TopModule, "/tmp/ports.evcd");', "file-access"),
    ('initial $log("/tmp/sim.log");', "file-access"),
    ("real r = $table_model(1.0, \"t.tbl\");", "file-access"),
])
def test_dangerous_construct_is_refused_on_its_line(body: str, rule: str) -> None:
    diagnostics = run(wrap(body))
    assert codes(diagnostics) == [rule], [d.render() for d in diagnostics]
    d = diagnostics[0]
    assert (d.file, d.line, d.severity, d.source) == ("top.v", 3, Severity.ERROR, "policy")
    construct = re.search('"dpi', body, re.I) or re.search(r"\$|`(?!define)|import", body)
    assert d.column == len("    ") + construct.start() + 1
    assert d.message and rule in policy.RULES


@pytest.mark.parametrize("body", [
    'initial $readmemh("rom.hex", m);',
    'initial $readmemb("data/rom.bin", m, 0, 3);',
    'initial $dumpfile("wave.vcd");',
    "initial $dumpfile;",
    'integer fd; initial begin fd = $fopen("out.txt", "w"); $fdisplay(fd, "%d", q); end',
    '`include "defs.vh"',
    "initial q = $clog2(8) + $countones(8'hF0);",
    "// $system(\"ls\") and $c(\"x\") and import \"DPI-C\" in a comment",
    '/* `include "/etc/passwd" */ initial $display("$system $fopen(\\"/etc/passwd\\") $c(1)");',
    "real r = 2.5; wire w = 1'b1;",
    "real r = $log10(2.0) + $ln(2.0); wire [3:0] k = $clog2(9); integer logs, key_count;",
])
def test_harmless_construct_is_allowed(body: str) -> None:
    assert run(wrap(body)) == []


def test_early_end_is_refused_only_when_the_testbench_decides() -> None:
    cheat = wrap('initial begin $display("Mismatches: 0 in 100 samples"); $finish; end')
    assert run(cheat) == []
    diagnostics = judged(cheat)
    assert codes(diagnostics) == ["finish"]
    assert diagnostics[0].line == 3 and "$finish" in diagnostics[0].message
    for task in ("$stop;", "$fatal(1);", "$exit;", "$finish_and_return(0);"):
        assert codes(judged(wrap(f"initial {task}"))) == ["finish"], task


def test_early_end_in_comment_or_string_is_not_refused() -> None:
    text = wrap('initial $display("call $finish now"); // $finish; $stop;') + "/* $fatal;\n $finish */\n"
    assert judged(text) == []


def test_reference_into_testbench_is_refused() -> None:
    text = wrap("initial begin\n        tb.stats1.errors = 0;\n        stats1 . clocks = 0;\n    end")
    diagnostics = judged(text)
    assert [(d.code, d.line) for d in diagnostics] == [("hierarchy", 4), ("hierarchy", 5)]
    assert "tb.stats1" in diagnostics[0].message
    assert codes(judged(wrap("initial good1.q = 0;"))) == ["hierarchy"]
    assert [d.message[:5] for d in judged(wrap("initial $root.tb.clk = 1;"))] == ["$root"]
    assert codes(judged(wrap("`define T tb\n    initial `T.stats1.errors = 0;"))) == ["hierarchy"] * 2  # body, use
    assert codes(judged(wrap("initial \\tb .stats1.errors = 0;"))) == ["hierarchy"]  # the escaped name \tb is tb
    assert run(wrap("initial tb.stats1.errors = 0;")) == []  # not judged by a testbench: nothing to protect


def test_port_connections_and_the_designs_own_names_are_not_hierarchy() -> None:
    design = wrap("""sub #(.N(2)) u_sub (.a(clk), .b(q[0]));
    initial $display("%d", u_sub.count, 1.5);""")
    assert judged(design) == []
    own_struct = wrap("struct packed { logic [3:0] errors; } mine;\n    initial mine.errors = 0;")
    assert judged(own_struct) == []
    assert judged(wrap('initial $display("tb.stats1.errors"); // tb.stats1.errors = 0;')) == []
    assert judged(wrap("reg [7:0] clocks;\n    initial clocks = 0;")) == []  # a plain use of a testbench name
    fifo = judged(FIFO, name="fifo.v")
    assert fifo == [], [d.render() for d in fifo]


DECOY = "`ifdef NEVER\nmodule tb; endmodule\n`endif\n"


@pytest.mark.parametrize("text", [
    DECOY + wrap("initial force tb.stats1 = 0;"),  # the design "declares" tb, in text never compiled
    wrap("sub stats1 (.a(clk));\n    initial $display(stats1.count);"),  # the design's own stats1 still reaches out
    wrap("initial release tb.stats1;"),
    wrap("assign tb.clk = 1'b0;"),
    wrap("initial $deposit(top_module1.q, 8'd1);"),
    wrap("defparam good1.W = 4;"),
    wrap("initial tb [0] . clk = 1;"),
    wrap("initial tb[m[0][1]].clk = 1;"),
    wrap("initial tb[m[m[m[0]]]].clk = 1;"),  # deeper than the checker follows: refused all the same
    wrap("`define DOT .\n    initial tb `DOT clk = 1;"),
    wrap("`define HEAD(x) x.clk\n    initial `HEAD(tb) = 1;"),
    wrap("`define WIRE(x, y) x y clk\n    initial `WIRE(tb, .) = 1;"),
    wrap("`define T \\\n  tb\n    initial `T.clk = 1;"),
    wrap("bind tb cheat c (.x(clk));"),
    wrap("initial \\tb .clk = 1;"),
    wrap("initial tb::clk = 1;"),
])
def test_every_way_into_the_testbench_is_refused(text: str) -> None:
    assert "hierarchy" in codes(judged(text)), text


def test_the_refusal_says_what_and_how_to_fix() -> None:
    [diagnostic] = judged(DECOY + wrap("initial force tb.stats1 = 0;"))
    assert diagnostic.line == 6 and diagnostic.code == "hierarchy"
    assert "tb.stats1" in diagnostic.message and "the testbench declares" in diagnostic.message
    assert "rename" in diagnostic.message
    assert codes(judged(wrap("initial cocotb_iverilog_dump.x = 1;"))) == ["hierarchy"]


def test_testbench_files_are_protected_when_the_testbench_decides() -> None:
    reads_tb = wrap('initial $readmemh("tb.sv", m);')
    assert run(reads_tb) == []
    assert codes(judged(reads_tb)) == ["file-access"]
    assert codes(judged(wrap('initial $readmemh("./sub/TB.sv", m);'))) == ["file-access"]
    includes_tb = wrap('`include "tb.sv"')
    assert run(includes_tb) == []
    assert codes(judged(includes_tb)) == ["include"]
    assert codes(judged(wrap('`include "other.vh"'))) == ["include"]
    own = Design(files={"top.v": wrap('`include "defs.vh"'), "defs.vh": "`define W 8\n"}, top="TopModule")
    assert policy.check(own, testbench_decides=True, testbench_files={"tb.sv": TESTBENCH}) == []


def test_clean_designs_give_no_diagnostics() -> None:
    design = Design(files={"counter.v": COUNTER, "fifo.v": FIFO, "fifo_init.hex": "00\n"}, top="fifo_pair")
    assert policy.check(design) == []
    assert policy.check(design, testbench_decides=True, testbench_files={"tb.sv": TESTBENCH}) == []


def test_each_violation_names_its_own_file_and_line() -> None:
    bad = COUNTER.replace("    end\nendmodule", '    end\n    initial $system("id");\nendmodule')
    design = Design(files={"counter.v": COUNTER, "bad.v": bad, "dpi.sv": '\n\nimport "DPI-C" function void f();\n'},
                    top="counter")
    found = sorted((d.file, d.line, d.code) for d in policy.check(design))
    assert found == [("bad.v", 11, "system"), ("dpi.sv", 3, "dpi")]
    assert policy.check(design)[0].render().startswith(("bad.v:11:", "dpi.sv:3:"))


def test_multiline_comments_and_strings_keep_line_numbers() -> None:
    text = '/* a\n b\n c */ "x\\"y" // z\n$system;\n'
    assert [(d.code, d.line, d.column) for d in run(text)] == [("system", 4, 1)]


def test_escaped_quote_in_a_string_does_not_hide_code() -> None:
    text = 'initial $display("a \\" b"); $system("x"); $display("\\\\");\n$fopen("/x");\n'
    assert [(d.code, d.line) for d in run(text)] == [("system", 1), ("file-access", 2)]


def test_escaped_identifier_with_quote_does_not_hide_code() -> None:
    text = 'wire \\odd"name ; initial $system("ls"); // "\n'
    assert codes(run(text)) == ["system"]


@pytest.mark.parametrize("text", [
    '"unterminated string\n$system;', "/* unterminated comment $system;", '\\', '"', "`include", "$fopen(",
    "$readmemh(\"", "`include \"", "\ufffd\x00\xff$fopen\ufffd(\"\\", "module m; a.b.c.d.; endmodule",
])
def test_broken_input_does_not_crash(text: str) -> None:
    result = judged(text)
    assert isinstance(result, list)


def test_unterminated_string_ends_at_the_line() -> None:
    assert [(d.code, d.line) for d in run('"unterminated string\n$system;')] == [("system", 2)]


def test_random_junk_does_not_crash() -> None:
    rng = random.Random(7)
    alphabet = "ab$.`\"\\/*()[]#;:,<>~ \n\t{}'1\ufffd"
    for _ in range(200):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        assert isinstance(judged(junk), list)


def test_four_megabyte_design_is_checked_quickly() -> None:
    big = FIFO * (4 * 1024 * 1024 // len(FIFO) + 1)
    big += '\ninitial $fopen("/etc/shadow", "r");\n'
    start = time.process_time()  # CPU seconds: a guard against super-linear scanning, blind to machine load
    diagnostics = judged(big, name="big.v")
    elapsed = time.process_time() - start
    assert elapsed < 5, elapsed
    assert [(d.code, d.line) for d in diagnostics] == [("file-access", big.count("\n"))]


def test_four_megabyte_junk_is_checked_quickly() -> None:
    rng = random.Random(11)
    junk = "".join(rng.choices("a b.c\"(\\/*#[`$\n", k=4 * 1024 * 1024))
    start = time.process_time()
    judged(junk)
    assert time.process_time() - start < 5


def test_rules_are_documented() -> None:
    assert set(policy.RULES) == {"verilator-c", "dpi", "system", "file-access", "include", "finish",
                                 "hierarchy", "macro-paste", "conditional", "line-end"}
    assert all(isinstance(text, str) and text for text in policy.RULES.values())


def test_conditionals_left_open_or_closed_twice_are_refused_when_the_testbench_decides() -> None:
    guarded = "`ifndef TOP_V\n`define TOP_V\n" + wrap("`ifdef FAST\n    initial q = 1;\n`else\n    initial q = 2;\n`endif") + "`endif\n"
    assert judged(guarded) == []
    left_open = wrap("initial q = 0;") + "`ifdef NEVER_DEFINED\n"  # would swallow the testbench up to its `endif
    assert [(d.code, d.line) for d in judged(left_open)] == [("conditional", 5)]
    assert run(left_open) == []
    assert codes(judged("`endif\n" + wrap("initial q = 0;"))) == ["conditional"]
    assert codes(judged("`else\n" + wrap("initial q = 0;") + "`endif\n")) == ["conditional", "conditional"]
    assert judged(wrap('initial $display("`ifdef"); // `ifdef X')) == []


def test_when_the_testbench_decides_the_design_reads_only_its_own_files() -> None:
    # a $dumpvars VCD of the testbench (with the reference's outputs) or a log, read back while it runs
    for read in ('f = $fopen("waves.vcd", "r");', 'f = $fopen("sim.log", "r+");', 'f = $fopen("w.vcd", "a+");',
                 'f = $fopenr("w.vcd");', '$readmemh("rom.hex", m);', 'f = $fopen("w.vcd", MODE);'):
        assert codes(judged(wrap(f"initial {read}"))) == ["file-access"], read
        assert run(wrap(f"initial {read}")) == [] or "MODE" in read, read
    for write in ('f = $fopen("out.txt");', 'f = $fopen("out.txt", "w");', '$writememh("m.hex", m);',
                  'begin $dumpfile("w.vcd"); $dumpvars; end'):
        assert judged(wrap(f"initial {write}")) == [], write
    own = Design(files={"top.v": wrap('initial $readmemh("rom.hex", m);'), "rom.hex": "00\n"}, top="TopModule")
    assert policy.check(own, testbench_decides=True, testbench_files={"tb.sv": TESTBENCH}) == []
    [refusal] = judged(wrap('initial f = $fopen("waves.vcd", "r");'))
    assert "may read only its own files" in refusal.message


def test_the_design_may_not_write_what_the_tests_leave_for_aigchip() -> None:
    # AccelBench's system tests write the cycles they measured to cost.json; a `final` block runs after them
    for write in ('f = $fopen("cost.json", "w");', 'f = $fopen("./COST.json");', '$writememh("cost.json", m);',
                  '$dumpfile("cost.json");'):
        [refusal] = run(wrap(f"initial {write}"))
        assert refusal.code == "file-access" and "must not write it" in refusal.message, write


@pytest.mark.parametrize("body", ["initial q = `A`B;", "initial q = Ref`B;", "initial q = `A(x)y;", "initial q = `A(x)`B;",
                                  "initial q = good`__LINE__;"])
def test_macro_expansions_that_join_into_one_name_are_refused(body) -> None:
    """Expanded, `A`B or Ref`B is one name: a refused one could be built out of harmless pieces."""
    assert codes(judged("`define A Ref\n`define B Module\n" + wrap(body))) == ["macro-paste"]


def test_macros_beside_other_tokens_still_pass() -> None:
    body = ("initial q = {`W{1'b0}} + 8'h`VAL + 8'd `VAL + `A(1) + (`B) - `W'(3);\n"
            "    wire [`W-1:0] w = `W'd0;")
    assert judged("`define W 8\n`define VAL 5\n`define A(x) (x)\n`define B 2\n" + wrap(body)) == []
