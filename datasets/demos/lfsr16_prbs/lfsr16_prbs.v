// 16-bit Fibonacci LFSR pseudo-random bit generator, polynomial x^16 + x^14 + x^13 + x^11 + 1.
// Written for aigchip (Apache-2.0).
module lfsr16_prbs (
  input  wire        clk,
  input  wire        rst,      // synchronous, active high: state <= 16'hACE1
  input  wire        en,       // shift once on this edge
  input  wire        load,     // load seed (takes priority over en)
  input  wire [15:0] seed,     // a zero seed loads 16'h0001 instead
  output reg  [15:0] state,
  output wire        bit_out   // state[15], the next PRBS bit
);

  // taps 16, 14, 13, 11 are state bits 15, 13, 12, 10
  wire feedback = state[15] ^ state[13] ^ state[12] ^ state[10];

  assign bit_out = state[15];

  always @(posedge clk) begin
    if (rst)
      state <= 16'hACE1;
    else if (load)
      state <= (seed == 16'd0) ? 16'h0001 : seed;  // the all-zero state would never leave
    else if (en)
      state <= {state[14:0], feedback};
  end

endmodule
