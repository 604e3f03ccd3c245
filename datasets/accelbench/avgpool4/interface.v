module avgpool4 (
  input  wire              clk,
  input  wire              rst,
  input  wire              in_valid,
  input  wire signed [7:0] a0,
  input  wire signed [7:0] a1,
  input  wire signed [7:0] a2,
  input  wire signed [7:0] a3,
  output reg               out_valid,
  output reg  signed [7:0] avg
);
