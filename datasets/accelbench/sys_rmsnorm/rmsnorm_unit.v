// RMSNorm over vectors of 1 to 64 int8 values: y_i = x_i / sqrt(mean(x^2) + 1) * gamma_i, with gamma (Q1.6) in a
// 64-entry table written through its own port and y in Q3.4, rounded and saturated. The reciprocal square root
// r = floor(2^20 / sqrt(SS/N + 1)) is found one bit per cycle without a multiplier.
// Written for aigchip AccelBench (Apache-2.0).
module rmsnorm_unit (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high; gamma is kept
  input  wire              g_we,      // gamma write: gamma[g_addr] <= g_data
  input  wire        [5:0] g_addr,
  input  wire signed [7:0] g_data,    // Q1.6 (value / 64)
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,   // x_i
  input  wire              in_last,   // last element of the vector
  output wire              out_valid,
  input  wire              out_ready,
  output wire signed [7:0] out_data,  // y_i, Q3.4 (value / 16)
  output wire              out_last
);
  wire        we, root_start, root_busy, issue, issue_last, can_issue;
  wire [5:0]  waddr, idx;
  wire [6:0]  count;
  wire [20:0] sumsq, root;
  wire signed [7:0] x, gamma;

  rn_ctrl ctrl (
    .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data), .in_last(in_last),
    .we(we), .waddr(waddr), .idx(idx), .count(count), .sumsq(sumsq), .root_start(root_start),
    .root_busy(root_busy), .can_issue(can_issue), .issue(issue), .issue_last(issue_last));

  rn_store store (
    .clk(clk), .x_we(we), .x_waddr(waddr), .x_wdata(in_data), .g_we(g_we), .g_waddr(g_addr), .g_wdata(g_data),
    .raddr(idx), .x(x), .gamma(gamma));

  rn_rsqrt rsqrt (
    .clk(clk), .rst(rst), .start(root_start), .sumsq(sumsq), .count(count), .busy(root_busy), .root(root));

  rn_scale scale (
    .clk(clk), .rst(rst), .load(issue), .last_in(issue_last), .x(x), .gamma(gamma), .root(root),
    .can_load(can_issue), .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data), .out_last(out_last));
endmodule
