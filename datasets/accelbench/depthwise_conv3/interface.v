module depthwise_conv3 (
  input  wire         clk,
  input  wire         rst,
  input  wire         w_we,
  input  wire [3:0]   w_addr,
  input  wire [7:0]   w_data,
  input  wire         in_valid,
  input  wire [31:0]  x,
  output reg          out_valid,
  output reg  [127:0] y
);
