// Sequential shift-add 8x8 unsigned multiplier: one partial product per clock cycle.
// Written for aigchip (Apache-2.0).
module seq_mul_u8 (
  input  wire        clk,
  input  wire        rst,      // synchronous, active high
  input  wire        start,    // accepted only when not busy
  input  wire [7:0]  a,        // multiplicand, sampled with start
  input  wire [7:0]  b,        // multiplier, sampled with start
  output reg         busy,     // high for the 8 shift-add cycles
  output reg         done,     // one-cycle pulse when product is final
  output reg  [15:0] product   // a*b, held from done until the next start
);

  reg [15:0] mcand;   // multiplicand, shifted left each step
  reg [7:0]  mplier;  // multiplier, shifted right each step
  reg [2:0]  step;    // 0..7

  always @(posedge clk) begin
    if (rst) begin
      busy    <= 1'b0;
      done    <= 1'b0;
      product <= 16'd0;
      mcand   <= 16'd0;
      mplier  <= 8'd0;
      step    <= 3'd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          mcand   <= {8'd0, a};
          mplier  <= b;
          product <= 16'd0;
          step    <= 3'd0;
          busy    <= 1'b1;
        end
      end else begin
        if (mplier[0]) product <= product + mcand;
        mcand  <= mcand << 1;
        mplier <= mplier >> 1;
        step   <= step + 3'd1;
        if (step == 3'd7) begin
          busy <= 1'b0;
          done <= 1'b1;
        end
      end
    end
  end

endmodule
