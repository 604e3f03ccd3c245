// ReLU or ReLU6 on a vector of int8 lanes, purely combinational.
// Written for aigchip (Apache-2.0).
module relu_s8 #(
  parameter LANES = 4,
  parameter signed [7:0] SIX = 8'sd96  // the int8 code of 6.0 (96 = 6.0 in Q3.4)
) (
  input  wire [8*LANES-1:0] x,      // signed int8 lanes, lane i in bits [8*i+7:8*i]
  input  wire               relu6,  // 0: y = max(x, 0); 1: y = min(max(x, 0), SIX)
  output wire [8*LANES-1:0] y
);

  genvar i;
  generate
    for (i = 0; i < LANES; i = i + 1) begin : lane
      wire signed [7:0] xi = x[8*i +: 8];
      wire signed [7:0] pos = xi[7] ? 8'sd0 : xi;  // negative lanes become zero
      assign y[8*i +: 8] = (relu6 && pos > SIX) ? SIX : pos;
    end
  endgenerate

endmodule
