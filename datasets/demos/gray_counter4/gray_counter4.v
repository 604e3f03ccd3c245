// 4-bit Gray-code counter with enable; also outputs the binary count.
// Written for aigchip (Apache-2.0).
module gray_counter4 (
  input  wire       clk,
  input  wire       rst,   // synchronous, active high: both outputs to 0
  input  wire       en,    // advance one step on this edge
  output reg  [3:0] bin,   // binary count, wraps 15 -> 0
  output reg  [3:0] gray   // Gray code of bin: exactly one bit changes per step
);

  wire [3:0] bin_next  = bin + 4'd1;
  wire [3:0] gray_next = bin_next ^ (bin_next >> 1);

  always @(posedge clk) begin
    if (rst) begin
      bin  <= 4'd0;
      gray <= 4'd0;
    end else if (en) begin
      bin  <= bin_next;
      gray <= gray_next;
    end
  end

endmodule
