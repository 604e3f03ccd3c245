// Fixed-point leaky ReLU, combinational: y = x for x >= 0, and x * 2^-k rounded half up
// (towards +infinity) for x < 0, with k = 0..7 programmable.
// Written for aigchip AccelBench (Apache-2.0).
module leaky_relu_fxp (
  input  wire signed [15:0] x,
  input  wire        [2:0]  k,   // alpha = 2^-k
  output wire signed [15:0] y
);
  // half an output LSB: 2^(k-1) for k >= 1, nothing for k = 0
  wire signed [16:0] half   = (k == 3'd0) ? 17'sd0 : $signed(17'd1 << (k - 3'd1));
  // x < 0 here, so x + half <= 63 < 2^15: 17 bits never wrap
  wire signed [16:0] biased = $signed({x[15], x}) + half;
  /* verilator lint_off UNUSEDSIGNAL */  // scaled[16] is only a sign copy
  wire signed [16:0] scaled = biased >>> k;
  /* verilator lint_on UNUSEDSIGNAL */

  assign y = x[15] ? scaled[15:0] : x;
endmodule
