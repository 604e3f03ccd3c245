// Rounded average of two unsigned bytes: y = (a + b + 1) >> 1, i.e. halves round up.
// The 9-bit sum keeps the carry, so 255 and 255 average to 255. Registered, with valid.
// Written for aigchip (Apache-2.0).
module avg2_round_u8 (
  input  wire       clk,
  input  wire       rst,        // synchronous, active high
  input  wire       in_valid,
  input  wire [7:0] a,          // uint8
  input  wire [7:0] b,          // uint8
  output reg        out_valid,
  output reg  [7:0] y           // uint8 average, round half up
);

  wire [8:0] sum = {1'b0, a} + {1'b0, b};    // at most 510: the carry is kept
  // halve and round half up: floor(sum / 2) + (sum odd), never above 255
  wire [7:0] avg = sum[8:1] + {7'd0, sum[0]};

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
      y         <= 8'd0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) y <= avg;
    end
  end

endmodule
