// Line buffer for dwsep_conv: the two rows above the current one, one 4-channel pixel per column (up to 16
// columns). Reads are combinational at the current column; an accepted pixel pushes that column down a row.
// Written for aigchip AccelBench (Apache-2.0).
module dw_linebuf (
  input  wire        clk,
  input  wire        we,
  input  wire  [3:0] col,
  input  wire [31:0] din,
  output wire [31:0] up1,  // the pixel one row above, same column
  output wire [31:0] up2   // the pixel two rows above, same column
);
  reg [31:0] row1 [0:15];
  reg [31:0] row2 [0:15];

  assign up1 = row1[col];
  assign up2 = row2[col];

  always @(posedge clk) begin
    if (we) begin
      row2[col] <= row1[col];
      row1[col] <= din;
    end
  end
endmodule
