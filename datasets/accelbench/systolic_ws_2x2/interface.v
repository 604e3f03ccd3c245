module systolic_ws_2x2 (
  input  wire               clk,
  input  wire               rst,
  input  wire               w_load,
  input  wire signed  [7:0] w00,
  input  wire signed  [7:0] w01,
  input  wire signed  [7:0] w10,
  input  wire signed  [7:0] w11,
  input  wire               x_valid,
  input  wire signed  [7:0] x0,
  input  wire signed  [7:0] x1,
  output reg                y_valid,
  output reg  signed [31:0] y0,
  output reg  signed [31:0] y1
);
