// Sequential restoring divider for 8-bit unsigned operands: one quotient bit per clock cycle.
// Written for aigchip (Apache-2.0).
module restoring_div_u8 (
  input  wire       clk,
  input  wire       rst,          // synchronous, active high
  input  wire       start,        // accepted only when not busy
  input  wire [7:0] dividend,
  input  wire [7:0] divisor,
  output reg        busy,
  output reg        done,         // one-cycle pulse: quotient, remainder, div_by_zero are valid
  output reg  [7:0] quotient,
  output reg  [7:0] remainder,
  output reg        div_by_zero   // divisor was 0: quotient = 8'hFF, remainder = dividend
);

  reg [7:0] rem;    // partial remainder, always below the divisor between steps
  reg [7:0] quo;    // dividend bits shift out at the top, quotient bits shift in at the bottom
  reg [7:0] dsr;
  reg [2:0] step;

  // one restoring step: shift the next dividend bit in, try to subtract the divisor
  wire [8:0] shifted  = {rem, quo[7]};
  wire [8:0] trial    = shifted - {1'b0, dsr};
  wire       fits     = ~trial[8];
  wire [7:0] rem_next = fits ? trial[7:0] : shifted[7:0];
  wire [7:0] quo_next = {quo[6:0], fits};

  always @(posedge clk) begin
    if (rst) begin
      busy        <= 1'b0;
      done        <= 1'b0;
      quotient    <= 8'd0;
      remainder   <= 8'd0;
      div_by_zero <= 1'b0;
      rem         <= 8'd0;
      quo         <= 8'd0;
      dsr         <= 8'd0;
      step        <= 3'd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start && divisor == 8'd0) begin
          quotient    <= 8'hFF;
          remainder   <= dividend;
          div_by_zero <= 1'b1;
          done        <= 1'b1;
        end else if (start) begin
          rem         <= 8'd0;
          quo         <= dividend;
          dsr         <= divisor;
          step        <= 3'd0;
          div_by_zero <= 1'b0;
          busy        <= 1'b1;
        end
      end else begin
        rem  <= rem_next;
        quo  <= quo_next;
        step <= step + 3'd1;
        if (step == 3'd7) begin
          quotient  <= quo_next;
          remainder <= rem_next;
          busy      <= 1'b0;
          done      <= 1'b1;
        end
      end
    end
  end

endmodule
