// Three-level nested loop counter: for i < I, for j < J, for k < K (bounds latched at start), one
// iteration per enabled cycle, with per-level "last" flags and a one-cycle done pulse at the end.
// Written for aigchip AccelBench (Apache-2.0).
module nested_loop_ctr (
  input  wire       clk,
  input  wire       rst,       // synchronous, active high
  input  wire       start,     // latch the bounds and begin (ignored while busy)
  input  wire       en,        // advance one iteration this cycle (while busy)
  input  wire [7:0] bound_i,   // outer loop count I
  input  wire [7:0] bound_j,   // middle loop count J
  input  wire [7:0] bound_k,   // inner loop count K
  output reg        busy,
  output reg  [7:0] i,
  output reg  [7:0] j,
  output reg  [7:0] k,
  output wire       last_k,    // k == K-1
  output wire       last_j,    // k == K-1 and j == J-1
  output wire       last_i,    // the final iteration: k == K-1, j == J-1, i == I-1
  output reg        done       // one-cycle pulse after the final iteration
);
  reg [7:0] lim_i, lim_j, lim_k;  // latched bounds minus one

  assign last_k = busy && (k == lim_k);
  assign last_j = last_k && (j == lim_j);
  assign last_i = last_j && (i == lim_i);

  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;  done <= 1'b0;
      i <= 8'd0;  j <= 8'd0;  k <= 8'd0;
      lim_i <= 8'd0;  lim_j <= 8'd0;  lim_k <= 8'd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          lim_i <= bound_i - 8'd1;
          lim_j <= bound_j - 8'd1;
          lim_k <= bound_k - 8'd1;
          i <= 8'd0;  j <= 8'd0;  k <= 8'd0;
          if (bound_i == 8'd0 || bound_j == 8'd0 || bound_k == 8'd0)
            done <= 1'b1;           // an empty loop nest: no iterations
          else
            busy <= 1'b1;
        end
      end else if (en) begin
        if (last_i) begin
          busy <= 1'b0;
          done <= 1'b1;
          i <= 8'd0;  j <= 8'd0;  k <= 8'd0;
        end else if (last_j) begin
          k <= 8'd0;  j <= 8'd0;  i <= i + 8'd1;
        end else if (last_k) begin
          k <= 8'd0;  j <= j + 8'd1;
        end else begin
          k <= k + 8'd1;
        end
      end
    end
  end
endmodule
