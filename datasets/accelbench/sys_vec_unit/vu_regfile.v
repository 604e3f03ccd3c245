// Vector register file of vec_unit: 8 registers x 8 lanes x int16 as 64 words addressed {register, lane};
// three combinational read ports (a, b and the destination's old value d) and one write port.
// Written for aigchip AccelBench (Apache-2.0).
module vu_regfile (
  input  wire               clk,
  input  wire        [5:0]  ra,
  input  wire        [5:0]  rb,
  input  wire        [5:0]  rd,
  output wire signed [15:0] a,
  output wire signed [15:0] b,
  output wire signed [15:0] d,
  input  wire               we,
  input  wire        [5:0]  wa,
  input  wire signed [15:0] wdata
);
  reg [15:0] words [0:63];

  assign a = words[ra];
  assign b = words[rb];
  assign d = words[rd];

  always @(posedge clk) begin
    if (we) words[wa] <= wdata;
  end
endmodule
