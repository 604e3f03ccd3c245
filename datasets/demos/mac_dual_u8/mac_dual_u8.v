// Two unsigned 8-bit multiply-accumulate lanes with their own enables and one shared clear.
// Written for aigchip (Apache-2.0).
module mac_dual_u8 (
  input  wire        clk,
  input  wire        rst,    // synchronous, active high: both accumulators to 0
  input  wire        clear,  // shared: an enabled lane restarts from its product, an idle lane goes to 0
  input  wire        en0,
  input  wire [7:0]  a0,
  input  wire [7:0]  b0,
  input  wire        en1,
  input  wire [7:0]  a1,
  input  wire [7:0]  b1,
  output reg  [19:0] acc0,   // modulo 2**20
  output reg  [19:0] acc1
);

  wire [15:0] p0 = a0 * b0;
  wire [15:0] p1 = a1 * b1;
  wire [19:0] base0 = clear ? 20'd0 : acc0;
  wire [19:0] base1 = clear ? 20'd0 : acc1;

  always @(posedge clk) begin
    if (rst) begin
      acc0 <= 20'd0;
      acc1 <= 20'd0;
    end else begin
      if (en0)        acc0 <= base0 + {4'd0, p0};
      else if (clear) acc0 <= 20'd0;
      if (en1)        acc1 <= base1 + {4'd0, p1};
      else if (clear) acc1 <= 20'd0;
    end
  end

endmodule
