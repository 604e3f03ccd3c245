// Clip a signed 16-bit value into programmable signed 8-bit bounds [lo, hi] (combinational).
// Written for aigchip (Apache-2.0).
module clip_s16_to_s8 (
  input  wire signed [15:0] x,
  input  wire signed [7:0]  lo,       // lower bound, lo <= hi assumed
  input  wire signed [7:0]  hi,       // upper bound
  output wire signed [7:0]  y,        // min(max(x, lo), hi)
  output wire               clipped   // x was outside [lo, hi]
);

  // compare at 16 bits with the bounds sign-extended
  wire signed [15:0] lo16 = {{8{lo[7]}}, lo};
  wire signed [15:0] hi16 = {{8{hi[7]}}, hi};
  wire below = x < lo16;
  wire above = x > hi16;

  assign y       = below ? lo : (above ? hi : x[7:0]);
  assign clipped = below | above;

endmodule
