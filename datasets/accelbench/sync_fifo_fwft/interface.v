module sync_fifo_fwft #(
  parameter WIDTH = 8,
  parameter DEPTH = 8
) (
  input  wire                   clk,
  input  wire                   rst,
  input  wire                   wr_en,
  input  wire [WIDTH-1:0]       wr_data,
  input  wire                   rd_en,
  output wire [WIDTH-1:0]       rd_data,
  output wire                   full,
  output wire                   empty,
  output wire                   almost_full,
  output wire                   almost_empty,
  output wire [$clog2(DEPTH):0] count
);
