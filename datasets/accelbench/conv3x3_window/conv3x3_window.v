// One 3x3 convolution window per cycle: nine signed int8 pixels times nine signed int8 weights,
// summed by a three-stage pipelined MAC tree (products, row sums, total) into a signed 32-bit
// result. Written for aigchip AccelBench (Apache-2.0).
module conv3x3_window (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high
  input  wire               in_valid,
  input  wire [71:0]        pix,        // pixel (r,c), signed int8, in pix[8*(3*r+c) +: 8]
  input  wire [71:0]        wgt,        // weight (r,c), signed int8, in wgt[8*(3*r+c) +: 8]
  output reg                out_valid,
  output reg  signed [31:0] out_data
);
  // stage 1: nine 16-bit products
  reg [143:0] prod;
  reg         v1;
  // stage 2: three row sums (18 bits hold 3 * 16384 and 3 * -16256)
  reg [53:0]  rows;
  reg         v2;

  reg [53:0] row_sum;
  integer r;
  always @(*) begin
    for (r = 0; r < 3; r = r + 1)
      row_sum[18*r +: 18] = {{2{prod[48*r+15]}}, prod[48*r +: 16]}
                          + {{2{prod[48*r+31]}}, prod[48*r+16 +: 16]}
                          + {{2{prod[48*r+47]}}, prod[48*r+32 +: 16]};
  end

  wire signed [31:0] total = {{14{rows[17]}}, rows[17:0]}
                           + {{14{rows[35]}}, rows[35:18]}
                           + {{14{rows[53]}}, rows[53:36]};

  integer k;
  always @(posedge clk) begin
    if (rst) begin
      prod <= 144'd0;  rows <= 54'd0;  out_data <= 32'sd0;
      v1 <= 1'b0;  v2 <= 1'b0;  out_valid <= 1'b0;
    end else begin
      v1 <= in_valid;
      v2 <= v1;
      out_valid <= v2;
      if (in_valid)
        for (k = 0; k < 9; k = k + 1)
          prod[16*k +: 16] <= $signed(pix[8*k +: 8]) * $signed(wgt[8*k +: 8]);
      if (v1)
        rows <= row_sum;
      if (v2)
        out_data <= total;
    end
  end
endmodule
