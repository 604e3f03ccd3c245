// Requantise an int32 accumulator to int8: q = clamp(round_half_up(acc * scale / 2^shift) + zp)
// with a signed int32 scale, a 0..63 shift and a signed int8 zero point. Two pipeline stages:
// the exact 64-bit product, then rounding shift, zero point and clamp.
// Written for aigchip AccelBench (Apache-2.0).
module requant_s32_s8 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high: clears both stages, q <= 0
  input  wire               valid_in,
  input  wire signed [31:0] acc,
  input  wire signed [31:0] scale,
  input  wire        [5:0]  shift,
  input  wire signed [7:0]  zp,
  output reg                valid_out,  // valid_in delayed by two edges
  output reg  signed [7:0]  q           // loaded when a valid result leaves stage 2; holds otherwise
);
  // ---- stage 1: exact product, with the per-sample shift and zero point carried along ----
  reg signed [63:0] p1;
  reg        [5:0]  shift1;
  reg signed [7:0]  zp1;
  reg               v1;

  always @(posedge clk) begin
    if (rst) begin
      v1 <= 1'b0;
      p1 <= 64'sd0;
      shift1 <= 6'd0;
      zp1 <= 8'sd0;
    end else begin
      v1     <= valid_in;
      p1     <= acc * scale;          // |acc * scale| <= 2^62: exact in 64 bits
      shift1 <= shift;
      zp1    <= zp;
    end
  end

  // ---- stage 2: round half up, arithmetic shift, zero point, clamp ----
  // 65 bits: p1 + 2^62 can reach 2^63, one more than a signed 64-bit value holds
  wire        [64:0] half    = (shift1 == 6'd0) ? 65'd0 : (65'd1 << (shift1 - 6'd1));
  wire signed [64:0] biased  = $signed({p1[63], p1}) + $signed(half);
  wire signed [64:0] shifted = biased >>> shift1;
  wire signed [65:0] with_zp = $signed({shifted[64], shifted}) + $signed({{58{zp1[7]}}, zp1});
  wire signed [7:0]  clamped = (with_zp > 66'sd127)  ? 8'sd127  :
                               (with_zp < -66'sd128) ? -8'sd128 : with_zp[7:0];

  always @(posedge clk) begin
    if (rst) begin
      valid_out <= 1'b0;
      q         <= 8'sd0;
    end else begin
      valid_out <= v1;
      if (v1) q <= clamped;
    end
  end
endmodule
