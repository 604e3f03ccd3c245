// 2x2 weight-stationary systolic array: PE(i,j) holds weight W[i][j]; activations enter row i on
// the left and move right one PE per cycle; partial sums move down one PE per cycle and leave at
// the bottom of each column. Input skew and output de-skew registers make the interface
// unskewed: y = x * W appears three rising edges after x is sampled.
// Written for aigchip AccelBench (Apache-2.0).
module systolic_ws_2x2 (
  input  wire               clk,
  input  wire               rst,      // synchronous, active high: clears weights and pipeline
  input  wire               w_load,   // load all four weights on this edge
  input  wire signed  [7:0] w00,
  input  wire signed  [7:0] w01,
  input  wire signed  [7:0] w10,
  input  wire signed  [7:0] w11,
  input  wire               x_valid,  // x0/x1 form a vector to process on this edge
  input  wire signed  [7:0] x0,
  input  wire signed  [7:0] x1,
  output reg                y_valid,
  output reg  signed [31:0] y0,       // x0*W[0][0] + x1*W[1][0]
  output reg  signed [31:0] y1        // x0*W[0][1] + x1*W[1][1]
);
  // stationary weights
  reg signed [7:0] k00, k01, k10, k11;

  // invalid slots carry zero activations through the array
  wire signed [7:0] x0_in = x_valid ? x0 : 8'sd0;
  wire signed [7:0] x1_in = x_valid ? x1 : 8'sd0;

  reg signed [7:0]  x1_skew;     // row 1 enters one cycle after row 0
  reg signed [7:0]  act00;       // activation PE(0,0) passes to PE(0,1)
  reg signed [7:0]  act10;       // activation PE(1,0) passes to PE(1,1)
  reg signed [31:0] ps00, ps01;  // partial sums leaving the top row downwards
  reg signed [31:0] ps10;        // column 0 result leaving PE(1,0)
  reg               v1, v2;      // valid pipeline

  wire signed [15:0] m00 = x0_in   * k00;
  wire signed [15:0] m01 = act00   * k01;
  wire signed [15:0] m10 = x1_skew * k10;
  wire signed [15:0] m11 = act10   * k11;

  always @(posedge clk) begin
    if (rst) begin
      k00 <= 8'sd0;  k01 <= 8'sd0;  k10 <= 8'sd0;  k11 <= 8'sd0;
      x1_skew <= 8'sd0;  act00 <= 8'sd0;  act10 <= 8'sd0;
      ps00 <= 32'sd0;  ps01 <= 32'sd0;  ps10 <= 32'sd0;
      y0 <= 32'sd0;  y1 <= 32'sd0;
      v1 <= 1'b0;  v2 <= 1'b0;  y_valid <= 1'b0;
    end else begin
      if (w_load) begin
        k00 <= w00;  k01 <= w01;  k10 <= w10;  k11 <= w11;
      end
      // edge t: the vector enters row 0, row 1's activation waits in the skew register
      x1_skew <= x1_in;
      act00   <= x0_in;
      ps00    <= {{16{m00[15]}}, m00};
      // edge t+1: column 0 finishes, column 1 starts
      act10   <= x1_skew;
      ps10    <= ps00 + {{16{m10[15]}}, m10};
      ps01    <= {{16{m01[15]}}, m01};
      // edge t+2: column 1 finishes, column 0 is delayed to line up with it
      y1      <= ps01 + {{16{m11[15]}}, m11};
      y0      <= ps10;
      v1 <= x_valid;  v2 <= v1;  y_valid <= v2;
    end
  end
endmodule
