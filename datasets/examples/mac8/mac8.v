// Signed int8 multiply-accumulate with a saturating signed 16-bit accumulator.
// Written for aigchip as a worked example (Apache-2.0).
module mac8 (
  input  wire               clk,
  input  wire               rst,  // synchronous, active high: acc <= 0, sat <= 0
  input  wire               en,   // accumulate a*b on this clock edge
  input  wire signed  [7:0] a,
  input  wire signed  [7:0] b,
  output reg  signed [15:0] acc,
  output reg                sat   // sticky: some accumulation saturated since reset
);
  wire signed [15:0] product = a * b;
  wire signed [16:0] sum = acc + product;

  always @(posedge clk) begin
    if (rst) begin
      acc <= 16'sd0;
      sat <= 1'b0;
    end else if (en) begin
      if (sum > 17'sd32767) begin
        acc <= 16'sh7fff;
        sat <= 1'b1;
      end else if (sum < -17'sd32768) begin
        acc <= 16'sh8000;
        sat <= 1'b1;
      end else begin
        acc <= sum[15:0];
      end
    end
  end
endmodule
