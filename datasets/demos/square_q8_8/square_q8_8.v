// Registered square of a signed Q8.8 fixed-point number, rounded half up and saturated to Q8.8.
// Written for aigchip (Apache-2.0).
module square_q8_8 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high
  input  wire               in_valid,
  input  wire signed [15:0] x,          // Q8.8: value = x / 256
  output reg                out_valid,  // in_valid delayed by one cycle
  output reg  signed [15:0] y,          // Q8.8 result of x*x, never negative
  output reg                sat         // x*x was above the Q8.8 maximum (32767/256)
);

  // exact square in Q16.16; at most 2**30, so 32 bits are enough
  wire signed [31:0] xe = {{16{x[15]}}, x};
  wire        [31:0] sq = xe * xe;

  // round half up: add half an output LSB (2**7), then drop 8 fraction bits
  /* verilator lint_off UNUSEDSIGNAL */  // the low 8 bits are the dropped fraction
  wire [31:0] rounded = sq + 32'd128;
  /* verilator lint_on UNUSEDSIGNAL */
  wire        too_big = |rounded[31:23];

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
      y         <= 16'sd0;
      sat       <= 1'b0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin
        y   <= too_big ? 16'sh7FFF : rounded[23:8];
        sat <= too_big;
      end
    end
  end

endmodule
