module matvec_engine (
  input  wire               clk,
  input  wire               rst,
  input  wire               w_en,
  input  wire        [3:0]  w_addr,
  input  wire signed [7:0]  w_data,
  input  wire               start,
  input  wire        [31:0] x,
  output reg                busy,
  output reg                done,
  output reg  signed [31:0] y0,
  output reg  signed [31:0] y1,
  output reg  signed [31:0] y2,
  output reg  signed [31:0] y3
);
