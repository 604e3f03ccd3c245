// Requantise an int32 accumulator to int8: multiply by an unsigned scale, shift right with
// round-half-up, clamp to [-128, 127]. One register stage.
// Written for aigchip (Apache-2.0).
module requant_s8 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high: valid_out <= 0, q <= 0
  input  wire               valid_in,
  input  wire signed [31:0] acc,
  input  wire        [15:0] scale,      // unsigned multiplier
  input  wire        [4:0]  shift,      // right shift, 0..31
  output reg                valid_out,
  output reg  signed [7:0]  q           // clamp(floor(acc * scale / 2**shift + 1/2))
);

  // exact product: 32-bit signed times 17-bit non-negative fits in 49 bits
  wire signed [48:0] prod = acc * $signed({1'b0, scale});

  // round half up: add half an output LSB before the arithmetic (flooring) shift
  wire        [49:0] half = (shift == 5'd0) ? 50'd0 : (50'd1 << (shift - 5'd1));
  wire signed [49:0] rounded = prod + $signed(half);
  wire signed [49:0] shifted = rounded >>> shift;

  // clamp to the int8 range
  wire signed [7:0] clamped = (shifted > 50'sd127)  ? 8'sd127 :
                              (shifted < -50'sd128) ? -8'sd128 : shifted[7:0];

  always @(posedge clk) begin
    if (rst) begin
      valid_out <= 1'b0;
      q         <= 8'sd0;
    end else begin
      valid_out <= valid_in;
      if (valid_in) q <= clamped;
    end
  end

endmodule
