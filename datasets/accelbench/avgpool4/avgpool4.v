// Registered average of four signed int8 values, rounded to the nearest integer with ties away
// from zero. Written for aigchip AccelBench (Apache-2.0).
module avgpool4 (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high
  input  wire              in_valid,
  input  wire signed [7:0] a0,
  input  wire signed [7:0] a1,
  input  wire signed [7:0] a2,
  input  wire signed [7:0] a3,
  output reg               out_valid,
  output reg  signed [7:0] avg
);
  // -512 .. 508 fits 10 bits
  wire signed [9:0] sum = {{2{a0[7]}}, a0} + {{2{a1[7]}}, a1} + {{2{a2[7]}}, a2} + {{2{a3[7]}}, a3};
  wire              neg = sum[9];
  wire [9:0]        mag = neg ? (~sum + 10'd1) : sum;   // |sum|, 0 .. 512
  /* verilator lint_off UNUSEDSIGNAL */
  wire [9:0]        q   = (mag + 10'd2) >> 2;           // round |sum|/4 half up: 0 .. 128 (bits 9:8 stay 0)
  /* verilator lint_on UNUSEDSIGNAL */
  wire [7:0]        res = neg ? (~q[7:0] + 8'd1) : q[7:0];

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
      avg       <= 8'sd0;
    end else begin
      out_valid <= in_valid;
      if (in_valid)
        avg <= res;
    end
  end
endmodule
