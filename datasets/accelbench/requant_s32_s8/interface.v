module requant_s32_s8 (
  input  wire               clk,
  input  wire               rst,
  input  wire               valid_in,
  input  wire signed [31:0] acc,
  input  wire signed [31:0] scale,
  input  wire        [5:0]  shift,
  input  wire signed [7:0]  zp,
  output reg                valid_out,
  output reg  signed [7:0]  q
);
