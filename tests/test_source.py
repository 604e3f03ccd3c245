from aigchip.sim import source


def test_module_names_ignore_comments_and_strings():
    text = '// module fake1;\n/* module fake2; */\nmodule real1(input a); initial $display("module fake3"); endmodule\nmodule real2; endmodule\n'
    assert source.module_names(text) == ["real1", "real2"]


def test_blanking_keeps_line_numbers():
    text = "a /* x\ny */ b\n// c\nd"
    blanked = source.blank_comments_and_strings(text)
    assert blanked.count("\n") == text.count("\n")
    assert "x" not in blanked and "d" in blanked


def test_top_candidates_are_modules_nobody_instantiates():
    leaf = "module adder(input a, b, output s); assign s = a ^ b; endmodule"
    top = "module alu(input a, b, output s); adder u0(.a(a), .b(b), .s(s)); endmodule"
    assert source.top_candidates([leaf, top]) == ["alu"]
    assert sorted(source.top_candidates([leaf, "module other; endmodule"])) == ["adder", "other"]


def test_unterminated_comment_does_not_hang_or_crash():
    assert source.module_names("module ok; endmodule /* never closed " + "x" * 100000) == ["ok"]


def test_module_ports_leave_out_the_inputs_of_functions_and_tasks():
    text = """module m (input wire clk, input wire signed [7:0] x, output reg [7:0] y);
  function signed [7:0] larger; input signed [7:0] a, b; larger = a > b ? a : b; endfunction
  task nothing; input z; begin end endtask
  always @(posedge clk) y <= larger(x, 8'sd0);
endmodule
"""
    assert source.module_ports(text, "m") == [("clk", "input", ""), ("x", "input", "signed[7:0]"),
                                              ("y", "output", "[7:0]")]


def test_an_escaped_identifier_hides_no_code_as_a_comment_or_string():
    """`\\x//`, `\\x/*` and `\\x"` are identifiers (an escaped identifier runs to the next white space): what
    follows them on the line is code, which the simulators compile, so no reader may take it for a comment."""
    for opener in ("//", "/*", '"'):
        text = f"module top(input a, output y);\n  wire \\x{opener} ; sub hidden(.a(a), .y(y));\nendmodule\nmodule sub; endmodule\n"
        blanked = source.blank_comments_and_strings(text)
        assert "sub hidden(" in blanked, opener
        assert source.top_candidates([text]) == ["top"], opener
    assert source.blank_comments_and_strings('wire \\a"b ; // c "d"') == 'wire \\a"b ;         '
