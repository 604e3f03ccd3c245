// Storage of rmsnorm_unit: the current vector (64 x int8) and the gamma table (64 x Q1.6), each with its own
// write port, read together at one address. Written for aigchip AccelBench (Apache-2.0).
module rn_store (
  input  wire              clk,
  input  wire              x_we,
  input  wire        [5:0] x_waddr,
  input  wire signed [7:0] x_wdata,
  input  wire              g_we,
  input  wire        [5:0] g_waddr,
  input  wire signed [7:0] g_wdata,
  input  wire        [5:0] raddr,
  output wire signed [7:0] x,
  output wire signed [7:0] gamma
);
  reg [7:0] xs [0:63];
  reg [7:0] gs [0:63];

  assign x     = xs[raddr];
  assign gamma = gs[raddr];

  always @(posedge clk) begin
    if (x_we) xs[x_waddr] <= x_wdata;
    if (g_we) gs[g_waddr] <= g_wdata;
  end
endmodule
