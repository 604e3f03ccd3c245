module conv3x3_window (
  input  wire               clk,
  input  wire               rst,
  input  wire               in_valid,
  input  wire [71:0]        pix,
  input  wire [71:0]        wgt,
  output reg                out_valid,
  output reg  signed [31:0] out_data
);
