// Requantiser for dwsep_conv (combinational): a signed IW-bit sum shifted right by 0..15 with the rounding half
// added first (floor((x + 2^(shift-1)) / 2^shift), x itself for shift 0), saturated to int8, then an optional
// ReLU. Written for aigchip AccelBench (Apache-2.0).
module dw_requant #(
  parameter IW = 19
) (
  input  wire signed [IW-1:0] x,
  input  wire           [3:0] shift,
  input  wire                 relu,
  output wire signed    [7:0] y
);
  wire signed [IW:0] wide    = {x[IW-1], x};
  wire signed [IW:0] half    = (shift == 4'd0) ? {(IW+1){1'b0}} : ({{IW{1'b0}}, 1'b1} << (shift - 4'd1));
  wire signed [IW:0] rounded = (wide + half) >>> shift;
  wire               over    = (rounded > 127);
  wire               under   = (rounded < -128);
  wire signed  [7:0] sat     = over ? 8'sd127 : (under ? -8'sd128 : rounded[7:0]);

  assign y = (relu && sat[7]) ? 8'sd0 : sat;
endmodule
