// Signed int8 multiply-accumulate whose accumulator saturates instead of wrapping.
// Written for aigchip (Apache-2.0).

module mac8 #(
  parameter ACC_W = 16  // accumulator width, at least 16
) (
  input  wire                    clk,
  input  wire                    rst,    // synchronous, active high: acc <= 0, ovf <= 0
  input  wire                    en,     // accumulate a*b on this clock edge
  input  wire                    clear,  // with en: acc <= a*b; without en: acc <= 0
  input  wire signed [7:0]       a,
  input  wire signed [7:0]       b,
  output reg  signed [ACC_W-1:0] acc,
  output reg                     ovf     // high for one cycle after an accumulation was clamped
);

  localparam signed [ACC_W:0] MAX = {2'b00, {(ACC_W-1){1'b1}}};
  localparam signed [ACC_W:0] MIN = {2'b11, {(ACC_W-1){1'b0}}};

  // one guard bit: the sum of two ACC_W-bit values never overflows ACC_W+1 bits
  wire signed [15:0]      product = a * b;
  wire signed [ACC_W-1:0] base = clear ? {ACC_W{1'b0}} : acc;
  wire signed [ACC_W:0]   sum = base + product;

  always @(posedge clk) begin
    if (rst) begin
      acc <= {ACC_W{1'b0}};
      ovf <= 1'b0;
    end else if (en) begin
      if (sum > MAX) begin
        acc <= MAX[ACC_W-1:0];
        ovf <= 1'b1;
      end else if (sum < MIN) begin
        acc <= MIN[ACC_W-1:0];
        ovf <= 1'b1;
      end else begin
        acc <= sum[ACC_W-1:0];
        ovf <= 1'b0;
      end
    end else begin
      if (clear) acc <= {ACC_W{1'b0}};
      ovf <= 1'b0;
    end
  end

endmodule
