module relu6_s8 (
  input  wire        clk,
  input  wire        rst,
  input  wire        valid_in,
  input  wire [31:0] din,
  input  wire [7:0]  six,
  output reg         valid_out,
  output reg  [31:0] dout
);
