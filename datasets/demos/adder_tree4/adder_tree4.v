// Pipelined 4-input signed adder tree: two register stages, full-precision result.
// Written for aigchip (Apache-2.0).
module adder_tree4 #(
  parameter W = 8  // input width (signed)
) (
  input  wire                clk,
  input  wire                rst,       // synchronous, active high: clears the valid pipeline
  input  wire                valid_in,
  input  wire signed [W-1:0] in0,
  input  wire signed [W-1:0] in1,
  input  wire signed [W-1:0] in2,
  input  wire signed [W-1:0] in3,
  output reg                 valid_out, // in0+in1+in2+in3 from two cycles earlier is on sum
  output reg  signed [W+1:0] sum
);

  // stage 1: two pairwise sums, one bit wider than the inputs
  reg signed [W:0] sum01, sum23;
  reg              valid1;

  always @(posedge clk) begin
    if (rst) begin
      valid1    <= 1'b0;
      valid_out <= 1'b0;
    end else begin
      valid1    <= valid_in;
      valid_out <= valid1;
    end
  end

  always @(posedge clk) begin
    sum01 <= in0 + in1;
    sum23 <= in2 + in3;
    sum   <= sum01 + sum23;  // stage 2
  end

endmodule
