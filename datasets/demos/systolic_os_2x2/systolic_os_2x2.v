// 2x2 output-stationary systolic array for int8 matrix multiply: row operands enter on the
// left and move right, column operands enter on top and move down, each PE accumulates.
// Written for aigchip (Apache-2.0).
module systolic_os_2x2 #(
  parameter ACC_W = 20  // accumulator width per PE
) (
  input  wire                    clk,
  input  wire                    rst,    // synchronous, active high: clears everything
  input  wire                    clear,  // synchronous: clears accumulators and operand registers
  input  wire                    en,     // advance the array; low holds every register
  input  wire signed [7:0]       a0,     // left edge, row 0 (A[0][k] at cycle k)
  input  wire signed [7:0]       a1,     // left edge, row 1 (A[1][k] at cycle k+1: skewed)
  input  wire signed [7:0]       b0,     // top edge, column 0 (B[k][0] at cycle k)
  input  wire signed [7:0]       b1,     // top edge, column 1 (B[k][1] at cycle k+1: skewed)
  output reg  signed [ACC_W-1:0] c00,
  output reg  signed [ACC_W-1:0] c01,
  output reg  signed [ACC_W-1:0] c10,
  output reg  signed [ACC_W-1:0] c11
);

  // operands passed between neighbours: a to the right, b downwards
  reg signed [7:0] a0_r, a1_r;  // from PE(0,0) to PE(0,1), from PE(1,0) to PE(1,1)
  reg signed [7:0] b0_r, b1_r;  // from PE(0,0) to PE(1,0), from PE(0,1) to PE(1,1)

  // each PE's product this cycle, sign-extended to the accumulator width
  wire signed [15:0] p00 = a0   * b0;
  wire signed [15:0] p01 = a0_r * b1;
  wire signed [15:0] p10 = a1   * b0_r;
  wire signed [15:0] p11 = a1_r * b1_r;
  wire signed [ACC_W-1:0] e00 = {{(ACC_W-16){p00[15]}}, p00};
  wire signed [ACC_W-1:0] e01 = {{(ACC_W-16){p01[15]}}, p01};
  wire signed [ACC_W-1:0] e10 = {{(ACC_W-16){p10[15]}}, p10};
  wire signed [ACC_W-1:0] e11 = {{(ACC_W-16){p11[15]}}, p11};

  always @(posedge clk) begin
    if (rst || clear) begin
      a0_r <= 8'sd0;  a1_r <= 8'sd0;
      b0_r <= 8'sd0;  b1_r <= 8'sd0;
      c00 <= {ACC_W{1'b0}};  c01 <= {ACC_W{1'b0}};
      c10 <= {ACC_W{1'b0}};  c11 <= {ACC_W{1'b0}};
    end else if (en) begin
      a0_r <= a0;  a1_r <= a1;
      b0_r <= b0;  b1_r <= b1;
      c00 <= c00 + e00;  c01 <= c01 + e01;
      c10 <= c10 + e10;  c11 <= c11 + e11;
    end
  end

endmodule
