module line_buffer3 #(
  parameter W  = 8,
  parameter DW = 8
) (
  input  wire                 clk,
  input  wire                 rst,
  input  wire                 in_valid,
  input  wire [DW-1:0]        in_pix,
  output reg                  out_valid,
  output reg  [$clog2(W)-1:0] out_col,
  output reg  [DW-1:0]        top,
  output reg  [DW-1:0]        mid,
  output reg  [DW-1:0]        bot
);
