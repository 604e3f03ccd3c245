// Signed 16-bit saturating adder/subtractor (combinational).
// Written for aigchip (Apache-2.0).
module sat_add_s16 (
  input  wire signed [15:0] a,
  input  wire signed [15:0] b,
  input  wire               sub,  // 0: y = a + b, 1: y = a - b
  output wire signed [15:0] y,    // clamped to [-32768, 32767]
  output wire               ovf   // the exact result was outside that range
);

  // one guard bit: the exact sum or difference always fits in 17 bits
  wire signed [16:0] ax   = {a[15], a};
  wire signed [16:0] bx   = {b[15], b};
  wire signed [16:0] wide = sub ? ax - bx : ax + bx;

  // overflow when the guard bit disagrees with the sign bit of the 16-bit result
  assign ovf = wide[16] ^ wide[15];
  assign y   = !ovf ? wide[15:0] : (wide[16] ? 16'sh8000 : 16'sh7FFF);

endmodule
