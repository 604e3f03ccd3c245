// Dense vector buffer of csr_spmv: 32 x int8, written in order, read at a non-zero's column.
// Written for aigchip AccelBench (Apache-2.0).
module sv_xbuf (
  input  wire              clk,
  input  wire              we,
  input  wire        [4:0] waddr,
  input  wire signed [7:0] wdata,
  input  wire        [4:0] raddr,
  output wire signed [7:0] rdata
);
  reg [7:0] mem [0:31];
  assign rdata = mem[raddr];
  always @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
  end
endmodule
