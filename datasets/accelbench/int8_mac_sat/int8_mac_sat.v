// Signed int8 multiply-accumulate into a saturating signed 24-bit accumulator, with a
// synchronous clear (that can load the first product) and a sticky overflow flag.
// Written for aigchip AccelBench (Apache-2.0).
module int8_mac_sat (
  input  wire               clk,
  input  wire               rst,    // synchronous, active high: acc <= 0, ovf <= 0
  input  wire               clear,  // start a new accumulation: acc <= (en ? a*b : 0), ovf <= 0
  input  wire               en,     // accumulate a*b on this edge
  input  wire signed  [7:0] a,
  input  wire signed  [7:0] b,
  output reg  signed [23:0] acc,
  output reg                ovf     // sticky: an accumulation saturated since the last rst/clear
);
  localparam signed [24:0] ACC_MAX = 25'sd8388607;   //  2^23 - 1
  localparam signed [24:0] ACC_MIN = -25'sd8388608;  // -2^23

  // the product of two int8 values fits in 16 bits; the sum needs one bit more than acc
  wire signed [15:0] product = a * b;
  wire signed [24:0] sum = $signed({acc[23], acc}) + $signed({{9{product[15]}}, product});

  always @(posedge clk) begin
    if (rst) begin
      acc <= 24'sd0;
      ovf <= 1'b0;
    end else if (clear) begin
      acc <= en ? {{8{product[15]}}, product} : 24'sd0;
      ovf <= 1'b0;
    end else if (en) begin
      if (sum > ACC_MAX) begin
        acc <= ACC_MAX[23:0];
        ovf <= 1'b1;
      end else if (sum < ACC_MIN) begin
        acc <= ACC_MIN[23:0];
        ovf <= 1'b1;
      end else begin
        acc <= sum[23:0];
      end
    end
  end
endmodule
