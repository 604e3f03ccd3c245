module maxpool2x2 #(
  parameter W = 8
) (
  input  wire              clk,
  input  wire              rst,
  input  wire              in_valid,
  input  wire signed [7:0] in_data,
  output reg               out_valid,
  output reg  signed [7:0] out_data
);
