module int8_mac_sat (
  input  wire               clk,
  input  wire               rst,
  input  wire               clear,
  input  wire               en,
  input  wire signed  [7:0] a,
  input  wire signed  [7:0] b,
  output reg  signed [23:0] acc,
  output reg                ovf
);
