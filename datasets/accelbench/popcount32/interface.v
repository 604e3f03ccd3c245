module popcount32 (
  input  wire        clk,
  input  wire        rst,
  input  wire        valid_in,
  input  wire [31:0] din,
  output wire [5:0]  count,
  output reg         valid_out,
  output reg  [5:0]  count_q
);
