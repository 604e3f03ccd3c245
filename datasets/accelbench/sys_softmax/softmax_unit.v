// Fixed-point softmax over vectors of 1 to 32 int8 logits (Q3.4): the maximum is found while the vector is
// stored, exp(x - max) comes from two 16-entry tables, the exponentials are summed, a bit-serial divider gives
// 2^36 / sum, and each probability (Q0.15, unsigned) is exp * reciprocal, rounded.
// Written for aigchip AccelBench (Apache-2.0).
module softmax_unit (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,   // logit, Q3.4 (value / 16)
  input  wire              in_last,   // last logit of the vector
  output wire              out_valid,
  input  wire              out_ready,
  output wire       [15:0] out_data,  // probability, Q0.15 (32768 = 1.0)
  output wire              out_last
);
  wire        we, div_start, div_busy, issue, issue_last, can_issue;
  wire [4:0]  waddr, idx;
  wire [7:0]  delta;
  wire [15:0] e;
  wire [20:0] sum;
  wire [21:0] recip;
  wire signed [7:0] x, maxv;

  sm_ctrl ctrl (
    .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data), .in_last(in_last),
    .we(we), .waddr(waddr), .idx(idx), .maxv(maxv), .e(e), .sum(sum), .div_start(div_start),
    .div_busy(div_busy), .can_issue(can_issue), .issue(issue), .issue_last(issue_last));

  sm_buffer logits (.clk(clk), .we(we), .waddr(waddr), .wdata(in_data), .raddr(idx), .rdata(x));

  assign delta = maxv - x;  // max - x: 0..255
  sm_exp exp_table (.delta(delta), .e(e));

  sm_recip divider (.clk(clk), .rst(rst), .start(div_start), .divisor(sum), .busy(div_busy), .quotient(recip));

  sm_norm norm (
    .clk(clk), .rst(rst), .load(issue), .last_in(issue_last), .e(e), .recip(recip), .can_load(can_issue),
    .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data), .out_last(out_last));
endmodule
