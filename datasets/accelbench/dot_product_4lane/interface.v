module dot_product_4lane #(
  parameter N = 4
) (
  input  wire               clk,
  input  wire               rst,
  input  wire               in_valid,
  input  wire [8*N-1:0]     a,
  input  wire [8*N-1:0]     b,
  output reg                out_valid,
  output reg  signed [31:0] result
);
