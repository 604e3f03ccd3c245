// Output-tile accumulator: M rows of four int32 lanes. A write either starts a row (the first k-tile)
// or adds lane-wise into it; the drain side reads a row combinationally.
module ws_accbuf (
  input  wire         clk,
  input  wire         wr_en,
  input  wire         wr_first,  // overwrite instead of accumulate
  input  wire [4:0]   wr_row,
  input  wire [127:0] wr_data,
  input  wire [4:0]   rd_row,
  output wire [127:0] rd_data
);
  reg [127:0] rows [0:31];
  wire [127:0] old = rows[wr_row];
  wire [127:0] sum;

  genvar lane;
  generate
    for (lane = 0; lane < 4; lane = lane + 1) begin : lanes
      assign sum[32*lane +: 32] = old[32*lane +: 32] + wr_data[32*lane +: 32];
    end
  endgenerate

  always @(posedge clk)
    if (wr_en)
      rows[wr_row] <= wr_first ? wr_data : sum;

  assign rd_data = rows[rd_row];
endmodule
