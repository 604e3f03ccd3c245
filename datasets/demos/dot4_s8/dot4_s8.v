// 4-lane int8 dot product with a registered 18-bit result (one cycle latency).
// Written for aigchip (Apache-2.0).
module dot4_s8 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high: valid_out <= 0, dot <= 0
  input  wire               valid_in,
  input  wire        [31:0] a,          // four signed int8 lanes, lane i in bits [8*i+7:8*i]
  input  wire        [31:0] b,
  output reg                valid_out,
  output reg  signed [17:0] dot         // sum over i of a[i]*b[i]
);

  // unpack the lanes as signed bytes
  wire signed [7:0] a0 = a[7:0],   b0 = b[7:0];
  wire signed [7:0] a1 = a[15:8],  b1 = b[15:8];
  wire signed [7:0] a2 = a[23:16], b2 = b[23:16];
  wire signed [7:0] a3 = a[31:24], b3 = b[31:24];

  // four 16-bit products summed as a tree, one bit wider per level: |sum| <= 4*128*128
  wire signed [15:0] p0 = a0 * b0;
  wire signed [15:0] p1 = a1 * b1;
  wire signed [15:0] p2 = a2 * b2;
  wire signed [15:0] p3 = a3 * b3;
  wire signed [16:0] s01 = p0 + p1;
  wire signed [16:0] s23 = p2 + p3;
  wire signed [17:0] total = s01 + s23;

  always @(posedge clk) begin
    if (rst) begin
      valid_out <= 1'b0;
      dot       <= 18'sd0;
    end else begin
      valid_out <= valid_in;
      if (valid_in) dot <= total;  // dot holds its value between valid inputs
    end
  end

endmodule
