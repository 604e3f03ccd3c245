module topk_stream (
  input  wire               clk,
  input  wire               rst,
  input  wire               in_valid,
  input  wire signed [15:0] in_value,
  input  wire        [7:0]  in_index,
  input  wire               in_last,
  output reg                out_valid,
  output reg  signed [15:0] top1_value,
  output reg         [7:0]  top1_index,
  output reg  signed [15:0] top2_value,
  output reg         [7:0]  top2_index,
  output reg                top2_valid
);
