module csr_block (
  input  wire        clk,
  input  wire        rst,
  input  wire [3:0]  addr,
  input  wire [31:0] wdata,
  input  wire        we,
  input  wire        re,
  output reg  [31:0] rdata,
  output reg         ready,
  input  wire [31:0] status_in,
  input  wire [7:0]  irq_set,
  output reg  [31:0] ctrl,
  output reg  [31:0] cfg,
  output wire        irq
);
