// Bias + ReLU + saturate: adds an int32 bias to an int32 accumulator, clamps negatives to
// zero and values above 255 to 255, and registers the uint8 result.
// Written for aigchip (Apache-2.0).
module bias_relu_s8 (
  input  wire               clk,
  input  wire               rst,       // synchronous, active high
  input  wire               in_valid,
  input  wire signed [31:0] acc,       // int32 accumulator
  input  wire signed [31:0] bias,      // int32 bias
  output reg                out_valid,
  output reg         [7:0]  y          // uint8 activation
);

  // 33-bit sum: two int32 values never overflow it
  wire signed [32:0] sum = {acc[31], acc} + {bias[31], bias};
  wire               neg = sum[32];                 // ReLU: below zero -> 0
  wire               big = !neg && (sum > 33'sd255); // above the uint8 range -> 255
  wire        [7:0]  act = neg ? 8'd0 : (big ? 8'd255 : sum[7:0]);

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
      y         <= 8'd0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) y <= act;
    end
  end

endmodule
