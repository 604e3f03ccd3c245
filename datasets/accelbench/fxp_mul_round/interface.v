module fxp_mul_round (
  input  wire signed [15:0] a,
  input  wire signed [15:0] b,
  output wire signed [15:0] y,
  output wire               sat
);
