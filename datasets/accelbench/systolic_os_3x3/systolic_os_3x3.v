// 3x3 output-stationary systolic array of int8 processing elements with 32-bit accumulators.
// Row operands enter on the left edge and move one PE to the right per enabled cycle; column
// operands enter on the top edge and move one PE down per enabled cycle; PE(i,j) accumulates
// the products of the operands passing through it. Written for aigchip AccelBench (Apache-2.0).
module systolic_os_3x3 (
  input  wire               clk,
  input  wire               rst,    // synchronous, active high: clears everything
  input  wire               clear,  // synchronous: clears accumulators and operand registers
  input  wire               en,     // advance the array; low holds every register
  input  wire signed  [7:0] a0,     // left edge, row 0
  input  wire signed  [7:0] a1,     // left edge, row 1
  input  wire signed  [7:0] a2,     // left edge, row 2
  input  wire signed  [7:0] b0,     // top edge, column 0
  input  wire signed  [7:0] b1,     // top edge, column 1
  input  wire signed  [7:0] b2,     // top edge, column 2
  output wire signed [31:0] c00,
  output wire signed [31:0] c01,
  output wire signed [31:0] c02,
  output wire signed [31:0] c10,
  output wire signed [31:0] c11,
  output wire signed [31:0] c12,
  output wire signed [31:0] c20,
  output wire signed [31:0] c21,
  output wire signed [31:0] c22
);
  // PE(i,j) is element p = 3*i + j of each flat vector
  reg  [71:0]  a_q;   // row operand each PE passes to its right-hand neighbour
  reg  [71:0]  b_q;   // column operand each PE passes to the neighbour below
  reg  [287:0] acc;   // 32-bit accumulator of each PE
  reg  [71:0]  a_op;  // row operand each PE multiplies this cycle
  reg  [71:0]  b_op;  // column operand each PE multiplies this cycle

  wire [23:0] a_edge = {a2, a1, a0};
  wire [23:0] b_edge = {b2, b1, b0};

  integer i, j;
  always @(*) begin
    for (i = 0; i < 3; i = i + 1)
      for (j = 0; j < 3; j = j + 1) begin
        if (j == 0) a_op[8*(3*i+j) +: 8] = a_edge[8*i +: 8];
        else        a_op[8*(3*i+j) +: 8] = a_q[8*(3*i+j-1) +: 8];
        if (i == 0) b_op[8*(3*i+j) +: 8] = b_edge[8*j +: 8];
        else        b_op[8*(3*i+j) +: 8] = b_q[8*(3*(i-1)+j) +: 8];
      end
  end

  // each PE's signed product, sign-extended to 32 bits
  reg [287:0]       prod;
  reg signed [15:0] pp;
  integer p;
  always @(*) begin
    for (p = 0; p < 9; p = p + 1) begin
      pp = $signed(a_op[8*p +: 8]) * $signed(b_op[8*p +: 8]);
      prod[32*p +: 32] = {{16{pp[15]}}, pp};
    end
  end

  integer q;
  always @(posedge clk) begin
    if (rst || clear) begin
      a_q <= 72'd0;
      b_q <= 72'd0;
      acc <= 288'd0;
    end else if (en) begin
      a_q <= a_op;
      b_q <= b_op;
      for (q = 0; q < 9; q = q + 1)
        acc[32*q +: 32] <= acc[32*q +: 32] + prod[32*q +: 32];
    end
  end

  assign c00 = acc[32*0 +: 32];
  assign c01 = acc[32*1 +: 32];
  assign c02 = acc[32*2 +: 32];
  assign c10 = acc[32*3 +: 32];
  assign c11 = acc[32*4 +: 32];
  assign c12 = acc[32*5 +: 32];
  assign c20 = acc[32*6 +: 32];
  assign c21 = acc[32*7 +: 32];
  assign c22 = acc[32*8 +: 32];
endmodule
