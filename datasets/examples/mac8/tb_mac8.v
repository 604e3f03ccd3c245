// Self-checking Verilog testbench for mac8 that reports in VerilogEval's style.
`timescale 1ns/1ps
module tb;
  reg clk = 0, rst = 1, en = 0;
  reg signed [7:0] a = 0, b = 0;
  wire signed [15:0] acc;
  wire sat;
  reg signed [31:0] want_acc;
  reg want_sat;
  integer i, errors = 0, samples = 0;

  mac8 dut (.clk(clk), .rst(rst), .en(en), .a(a), .b(b), .acc(acc), .sat(sat));
  always #5 clk = ~clk;

  initial begin
    want_acc = 0; want_sat = 0;
    @(negedge clk); @(negedge clk); rst = 0;
    for (i = 0; i < 300; i = i + 1) begin
      en = (i < 40) ? 1 : $random;
      a = (i < 20) ? 8'sd127 : (i < 40) ? -8'sd128 : $random;
      b = (i < 40) ? 8'sd127 : $random;
      if (en) begin
        want_acc = want_acc + a * b;
        if (want_acc > 32767) begin want_acc = 32767; want_sat = 1; end
        if (want_acc < -32768) begin want_acc = -32768; want_sat = 1; end
      end
      @(negedge clk);
      samples = samples + 1;
      if (acc !== want_acc[15:0] || sat !== want_sat) begin
        if (errors == 0) $display("Hint: First mismatch occurred at time %0t (sample %0d): acc=%0d expected %0d, sat=%0d expected %0d.", $time, i, acc, want_acc, sat, want_sat);
        errors = errors + 1;
      end
    end
    $display("Mismatches: %0d in %0d samples", errors, samples);
    $finish;
  end
endmodule
