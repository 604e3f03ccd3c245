module adder_tree8 (
  input  wire               clk,
  input  wire               rst,
  input  wire               valid_in,
  input  wire        [95:0] din,
  output reg                valid_out,
  output reg  signed [14:0] sum
);
