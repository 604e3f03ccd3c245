// Q1.15 x Q1.15 -> Q1.15 fixed-point multiply: round half up (towards +infinity on ties),
// saturate to the Q1.15 range (only -1 x -1 overflows). Combinational.
// Written for aigchip AccelBench (Apache-2.0).
module fxp_mul_round (
  input  wire signed [15:0] a,
  input  wire signed [15:0] b,
  output wire signed [15:0] y,
  output wire               sat   // 1 when the rounded product did not fit and y was clamped
);
  // exact Q2.30 product
  wire signed [31:0] product = a * b;
  // add half an output LSB (2^14) in 33 bits so it cannot wrap, then floor-shift by 15
  /* verilator lint_off UNUSEDSIGNAL */  // biased[14:0] is the discarded fraction
  wire signed [32:0] biased  = $signed({product[31], product}) + 33'sd16384;
  /* verilator lint_on UNUSEDSIGNAL */
  wire signed [17:0] rounded = biased[32:15];  // == biased >>> 15 (fits: |a*b| <= 2^30)

  wire too_big   = rounded > 18'sd32767;
  wire too_small = rounded < -18'sd32768;

  assign y   = too_big ? 16'sh7fff : too_small ? 16'sh8000 : rounded[15:0];
  assign sat = too_big | too_small;
endmodule
