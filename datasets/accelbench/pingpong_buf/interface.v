module pingpong_buf #(
  parameter WIDTH = 8,
  parameter N     = 8
) (
  input  wire             clk,
  input  wire             rst,
  input  wire             wr_valid,
  output wire             wr_ready,
  input  wire [WIDTH-1:0] wr_data,
  output wire             rd_valid,
  input  wire             rd_ready,
  output wire [WIDTH-1:0] rd_data,
  output wire             bank
);
