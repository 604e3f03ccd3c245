// Unsigned 8x8 multiply-accumulate with a wrapping accumulator.
// Written for aigchip (Apache-2.0).
module mac_u8 #(
  parameter ACC_W = 24  // accumulator width, at least 16
) (
  input  wire             clk,
  input  wire             rst,    // synchronous, active high: acc <= 0
  input  wire             en,     // accumulate a*b on this clock edge
  input  wire             clear,  // with en: acc <= a*b; without en: acc <= 0
  input  wire [7:0]       a,
  input  wire [7:0]       b,
  output reg  [ACC_W-1:0] acc
);

  // full-precision product, zero-extended to the accumulator width
  wire [15:0]      product = a * b;
  wire [ACC_W-1:0] product_ext = {{(ACC_W-16){1'b0}}, product};
  wire [ACC_W-1:0] base = clear ? {ACC_W{1'b0}} : acc;

  always @(posedge clk) begin
    if (rst)
      acc <= {ACC_W{1'b0}};
    else if (en)
      acc <= base + product_ext;  // wraps modulo 2**ACC_W
    else if (clear)
      acc <= {ACC_W{1'b0}};
  end

endmodule
