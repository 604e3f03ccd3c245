// 2x2 max-pool over a streaming pair of int8 rows: each valid cycle brings one column
// (top and bottom pixel); every second column emits the max of the 2x2 window.
// Written for aigchip (Apache-2.0).
module maxpool2x2_s8 (
  input  wire              clk,
  input  wire              rst,        // synchronous, active high: phase <= 0, out_valid <= 0
  input  wire              in_valid,
  input  wire              first,      // with in_valid: this column starts a new row pair
  input  wire signed [7:0] top,        // pixel from the upper row
  input  wire signed [7:0] bot,        // pixel from the lower row, same column
  output reg               out_valid,  // high for one cycle per completed window
  output reg  signed [7:0] out_max
);

  // the larger pixel of this column, and the larger of that and the held left column
  wire signed [7:0] col_max = (top > bot) ? top : bot;
  reg  signed [7:0] left_max;
  wire signed [7:0] win_max = (left_max > col_max) ? left_max : col_max;

  // phase 0: this column is the left half of a window; phase 1: the right half
  reg phase;
  wire right_half = phase && !first;

  always @(posedge clk) begin
    if (rst) begin
      phase     <= 1'b0;
      out_valid <= 1'b0;
      out_max   <= 8'sd0;
      left_max  <= 8'sd0;
    end else begin
      out_valid <= in_valid && right_half;
      if (in_valid) begin
        if (right_half) out_max <= win_max;
        else            left_max <= col_max;
        phase <= !right_half;
      end
    end
  end

endmodule
