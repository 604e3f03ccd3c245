module pwl_sigmoid (
  input  wire               clk,
  input  wire               rst,
  input  wire               valid_in,
  input  wire signed [15:0] x,
  output reg                valid_out,
  output reg         [15:0] y
);
