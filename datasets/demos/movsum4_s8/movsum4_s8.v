// Moving sum of the last four signed 8-bit samples of a stream. A running total is updated
// per valid sample by adding the new sample and subtracting the one leaving the window.
// Written for aigchip (Apache-2.0).
module movsum4_s8 (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high: empties the window
  input  wire              in_valid,
  input  wire signed [7:0] x,         // int8 sample
  output reg               out_valid,
  output reg  signed [9:0] sum        // x[n] + x[n-1] + x[n-2] + x[n-3], range -512..508
);

  // the window: w0 is the newest sample, w3 the oldest (zeros after reset)
  reg signed [7:0] w0, w1, w2, w3;

  // new total = old total + incoming - outgoing; 10 bits hold any four int8 values
  wire signed [9:0] next_sum = sum + {{2{x[7]}}, x} - {{2{w3[7]}}, w3};

  always @(posedge clk) begin
    if (rst) begin
      {w0, w1, w2, w3} <= 32'd0;
      sum       <= 10'sd0;
      out_valid <= 1'b0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin               // shift the window and update the total
        {w0, w1, w2, w3} <= {x, w0, w1, w2};
        sum <= next_sum;
      end
    end
  end

endmodule
