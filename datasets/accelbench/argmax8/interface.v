module argmax8 (
  input  wire               clk,
  input  wire               rst,
  input  wire               in_valid,
  input  wire [127:0]       x,
  output reg                out_valid,
  output reg         [2:0]  idx,
  output reg  signed [15:0] max_val
);
