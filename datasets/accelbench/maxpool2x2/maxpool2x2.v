// 2x2 max pooling, stride 2, over a raster-order stream of signed int8 pixels of an image W pixels
// wide. A line buffer keeps, for each window column, the larger of the two pixels from the upper row.
// Written for aigchip AccelBench (Apache-2.0).
module maxpool2x2 #(
  parameter W = 8  // image width in pixels: even, at least 2
) (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high
  input  wire              in_valid,
  input  wire signed [7:0] in_data,
  output reg               out_valid,
  output reg  signed [7:0] out_data
);
  localparam CW = (W > 2) ? $clog2(W) : 1;
  localparam [CW-1:0] LAST_COL = W[CW-1:0] - 1'b1;

  reg [CW-1:0]       col;        // column of the next pixel
  reg                row_odd;    // the next pixel is in the lower row of a window
  reg signed [7:0]   hold;       // running maximum of the current window within this row pair
  reg [8*(W/2)-1:0]  upper;      // per window column: max of its two upper-row pixels

  wire [CW-1:0]    wcol   = col >> 1;
  wire signed [7:0] up    = upper[8*wcol +: 8];
  wire signed [7:0] left  = row_odd ? ((up > in_data) ? up : in_data) : in_data;  // even column
  wire signed [7:0] pair  = (hold > in_data) ? hold : in_data;                     // odd column

  always @(posedge clk) begin
    if (rst) begin
      col       <= {CW{1'b0}};
      row_odd   <= 1'b0;
      hold      <= 8'sd0;
      upper     <= {8*(W/2){1'b0}};
      out_valid <= 1'b0;
      out_data  <= 8'sd0;
    end else begin
      out_valid <= 1'b0;
      if (in_valid) begin
        if (!col[0]) begin
          hold <= left;
        end else if (!row_odd) begin
          upper[8*wcol +: 8] <= pair;
        end else begin
          out_valid <= 1'b1;
          out_data  <= pair;
        end
        if (col == LAST_COL) begin
          col     <= {CW{1'b0}};
          row_odd <= ~row_odd;
        end else begin
          col <= col + 1'b1;
        end
      end
    end
  end
endmodule
