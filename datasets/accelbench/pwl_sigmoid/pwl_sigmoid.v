// Piecewise-linear sigmoid: signed Q4.12 input, unsigned Q1.15 output (32768 = 1.0), four
// segments with power-of-two slopes on |x| and the symmetry sigmoid(-x) = 1 - sigmoid(x).
// One register stage with a valid bit.
// Written for aigchip AccelBench (Apache-2.0).
module pwl_sigmoid (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high: valid_out <= 0, y <= 0
  input  wire               valid_in,
  input  wire signed [15:0] x,          // Q4.12: value = x / 4096, -8.0 .. 8.0
  output reg                valid_out,
  output reg         [15:0] y           // Q1.15 unsigned: value = y / 32768, 0 .. 1.0
);
  // |x| in 17 bits: -32768 has magnitude 32768
  wire [16:0] ext = {x[15], x};
  wire [16:0] mag = x[15] ? (17'd0 - ext) : ext;

  // segment on |x|: 0.25|x| + 0.5 / 0.125|x| + 0.625 / 0.03125|x| + 0.84375 / 1.0
  reg [15:0] pos;                  // at most 32768: fits in 16 unsigned bits
  always @(*) begin
    if (mag < 17'd4096)            // |x| < 1.0
      pos = 16'd16384 + {mag[14:0], 1'b0};
    else if (mag < 17'd9728)       // |x| < 2.375
      pos = 16'd20480 + mag[15:0];
    else if (mag < 17'd20480)      // |x| < 5.0
      pos = 16'd27648 + {1'b0, mag[16:2]};
    else
      pos = 16'd32768;
  end

  wire [15:0] result = x[15] ? (16'd32768 - pos) : pos;

  always @(posedge clk) begin
    if (rst) begin
      valid_out <= 1'b0;
      y         <= 16'd0;
    end else begin
      valid_out <= valid_in;
      if (valid_in) y <= result;
    end
  end
endmodule
