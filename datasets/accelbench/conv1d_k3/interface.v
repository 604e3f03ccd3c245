module conv1d_k3 (
  input  wire               clk,
  input  wire               rst,
  input  wire               w_we,
  input  wire signed  [7:0] w0,
  input  wire signed  [7:0] w1,
  input  wire signed  [7:0] w2,
  input  wire               in_valid,
  input  wire signed  [7:0] in_data,
  output reg                out_valid,
  output reg  signed [31:0] out_data
);
