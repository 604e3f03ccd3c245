// Reciprocal of softmax_unit: quotient = floor(2^36 / divisor) for a divisor of 2^15 .. 2^20, by restoring
// division, one quotient bit per cycle (22 cycles). 2^36 = 2^14 * 2^22 and 2^14 < divisor, so the remainder
// starts at 2^14 and the 22 quotient bits come from shifting in zeros. Written for aigchip AccelBench (Apache-2.0).
module sm_recip (
  input  wire        clk,
  input  wire        rst,
  input  wire        start,     // divisor is stable from the next cycle until busy falls
  input  wire [20:0] divisor,
  output reg         busy,
  output reg  [21:0] quotient
);
  reg [21:0] rem;
  reg [4:0]  step;

  wire [22:0] twice = {rem, 1'b0};
  wire [22:0] trial = twice - {2'b00, divisor};

  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
    end else if (start) begin
      busy <= 1'b1;
      rem  <= 22'd16384;
      step <= 5'd21;
    end else if (busy) begin
      rem      <= trial[22] ? twice[21:0] : trial[21:0];
      quotient <= {quotient[20:0], ~trial[22]};
      step     <= step - 5'd1;
      if (step == 5'd0) busy <= 1'b0;
    end
  end
endmodule
