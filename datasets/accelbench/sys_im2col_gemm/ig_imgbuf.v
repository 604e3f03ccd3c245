// Image buffer for im2col_gemm: 128 pixel words of four int8 channels, written whole; read one channel byte at
// a time into a register that moves only when the pipeline advances, giving 0 for a padding element.
// Written for aigchip AccelBench (Apache-2.0).
module ig_imgbuf (
  input  wire              clk,
  input  wire              we,
  input  wire        [6:0] waddr,
  input  wire       [31:0] wdata,
  input  wire              re,
  input  wire        [6:0] raddr,
  input  wire        [1:0] rlane,
  input  wire              rzero,   // a padding element: read as 0
  output reg  signed [7:0] rdata
);
  reg [31:0] mem [0:127];
  wire [31:0] word = mem[raddr];

  always @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
    if (re) rdata <= rzero ? 8'sd0 : word[8*rlane +: 8];
  end
endmodule
