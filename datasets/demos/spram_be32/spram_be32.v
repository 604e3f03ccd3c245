// Single-port RAM, 16 words of 32 bits, with per-byte write enables and a registered read.
// One access per cycle on the shared address: a write updates only the enabled bytes; every
// enabled access also reads the addressed word as it was before the write (read-first).
// Written for aigchip (Apache-2.0).
module spram_be32 (
  input  wire        clk,
  input  wire        rst,      // synchronous, active high: clears rdata (not the array)
  input  wire        en,       // access enable
  input  wire        we,       // write (with en)
  input  wire [3:0]  be,       // byte enables: be[i] writes wdata[8*i+7:8*i]
  input  wire [3:0]  addr,
  input  wire [31:0] wdata,
  output reg  [31:0] rdata     // registered: valid the cycle after the access
);

  reg [31:0] mem [0:15];
  integer i;

  always @(posedge clk) begin
    if (en && we) begin
      for (i = 0; i < 4; i = i + 1)
        if (be[i]) mem[addr][8*i +: 8] <= wdata[8*i +: 8];  // only enabled bytes change
    end
  end

  always @(posedge clk) begin
    if (rst)
      rdata <= 32'd0;
    else if (en)
      rdata <= mem[addr];  // old contents on a write cycle (read-first)
  end

endmodule
