// Simple dual-port RAM, 8 words of 16 bits: one write port and one read port with separate
// addresses, usable in the same cycle. The read is registered; reading the address being
// written in the same cycle returns the old data.
// Written for aigchip (Apache-2.0).
module dpram_8x16 (
  input  wire        clk,
  input  wire        rst,      // synchronous, active high: clears rdata (not the array)
  // write port
  input  wire        we,
  input  wire [2:0]  waddr,
  input  wire [15:0] wdata,
  // read port
  input  wire        re,
  input  wire [2:0]  raddr,
  output reg  [15:0] rdata     // registered: valid the cycle after re
);

  reg [15:0] mem [0:7];

  always @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
  end

  always @(posedge clk) begin
    if (rst)
      rdata <= 16'd0;
    else if (re)
      rdata <= mem[raddr];  // sampled before this edge's write: old data on a collision
  end

endmodule
