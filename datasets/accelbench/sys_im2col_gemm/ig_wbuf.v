// Weight buffer for im2col_gemm: 36 words, word kidx holding the four filters' weights for patch element kidx
// (filter f in lane f); read into a register that moves only when the pipeline advances.
// Written for aigchip AccelBench (Apache-2.0).
module ig_wbuf (
  input  wire        clk,
  input  wire        we,
  input  wire  [5:0] waddr,
  input  wire [31:0] wdata,
  input  wire        re,
  input  wire  [5:0] raddr,
  output reg  [31:0] rdata
);
  reg [31:0] mem [0:35];

  always @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
    if (re) rdata <= mem[raddr];
  end
endmodule
