// Line buffer for 3x3 windows: stores the two previous rows of a row-major pixel stream of width
// W and, for every pixel of row 2 onwards, outputs the column (pixel two rows up, one row up,
// current pixel) one cycle later. W >= 2.
// Written for aigchip AccelBench (Apache-2.0).
module line_buffer3 #(
  parameter W  = 8,    // image width in pixels
  parameter DW = 8     // bits per pixel
) (
  input  wire                 clk,
  input  wire                 rst,        // synchronous, active high: a new frame starts at (0, 0)
  input  wire                 in_valid,   // in_pix is the next pixel of the stream
  input  wire [DW-1:0]        in_pix,
  output reg                  out_valid,  // a column is on top/mid/bot (one cycle after its pixel)
  output reg  [$clog2(W)-1:0] out_col,    // its column index c
  output reg  [DW-1:0]        top,        // pixel (r-2, c)
  output reg  [DW-1:0]        mid,        // pixel (r-1, c)
  output reg  [DW-1:0]        bot         // pixel (r, c), the pixel just accepted
);
  localparam CW = $clog2(W);
  localparam integer LAST = W - 1;    // the last column index

  reg [DW-1:0] line1 [0:W-1];   // row r-1
  reg [DW-1:0] line2 [0:W-1];   // row r-2
  reg [CW-1:0] col;
  reg [1:0]    rows_done;       // complete rows seen, saturating at 2

  always @(posedge clk) begin
    if (rst) begin
      col       <= {CW{1'b0}};
      rows_done <= 2'd0;
      out_valid <= 1'b0;
      out_col   <= {CW{1'b0}};
      top       <= {DW{1'b0}};
      mid       <= {DW{1'b0}};
      bot       <= {DW{1'b0}};
    end else begin
      out_valid <= in_valid && (rows_done == 2'd2);
      if (in_valid) begin
        top         <= line2[col];
        mid         <= line1[col];
        bot         <= in_pix;
        out_col     <= col;
        line2[col]  <= line1[col];
        line1[col]  <= in_pix;
        if (col == LAST[CW-1:0]) begin
          col <= {CW{1'b0}};
          if (rows_done != 2'd2) rows_done <= rows_done + 2'd1;
        end else begin
          col <= col + 1'b1;
        end
      end
    end
  end
endmodule
