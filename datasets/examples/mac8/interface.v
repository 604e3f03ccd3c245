module mac8 (
  input  wire               clk,
  input  wire               rst,
  input  wire               en,
  input  wire signed  [7:0] a,
  input  wire signed  [7:0] b,
  output reg  signed [15:0] acc,
  output reg                sat
);
