// 3-tap int8 FIR filter (a 1D convolution) over a sample stream, with run-time coefficients.
// Written for aigchip (Apache-2.0).
module fir3_s8 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high: clears the history
  input  wire               in_valid,   // a new sample x arrives
  input  wire signed [7:0]  x,
  input  wire signed [7:0]  c0,         // weight of the newest sample
  input  wire signed [7:0]  c1,
  input  wire signed [7:0]  c2,         // weight of the oldest sample
  output reg                out_valid,  // one cycle after in_valid
  output reg  signed [17:0] y           // c0*x[n] + c1*x[n-1] + c2*x[n-2]
);

  // the two previous samples (zero after reset)
  reg signed [7:0] x1, x2;

  // three products summed at full precision
  wire signed [15:0] p0 = c0 * x;
  wire signed [15:0] p1 = c1 * x1;
  wire signed [15:0] p2 = c2 * x2;
  wire signed [16:0] s01 = p0 + p1;
  wire signed [16:0] p2x = {p2[15], p2};  // sign-extended to match s01
  wire signed [17:0] acc = s01 + p2x;

  always @(posedge clk) begin
    if (rst) begin
      x1        <= 8'sd0;
      x2        <= 8'sd0;
      out_valid <= 1'b0;
      y         <= 18'sd0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin
        x1 <= x;
        x2 <= x1;
        y  <= acc;
      end
    end
  end

endmodule
