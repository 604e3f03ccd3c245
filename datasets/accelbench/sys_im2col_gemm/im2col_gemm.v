// Convolution as im2col + GEMM: a job loads the K*K*C weight words of four filters and a W x H image of up to
// four int8 channels into on-chip buffers; an im2col address generator then walks every output position's
// patch (zero padding, stride) and feeds one patch element per cycle to a GEMM core, which multiplies the patch
// matrix by the 4-filter weight matrix and streams out one row of four int32 results per output position.
// One advance signal stalls the generator, the buffers' read registers and the core while the output is held.
// Written for aigchip AccelBench (Apache-2.0).
module im2col_gemm (
  input  wire         clk,
  input  wire         rst,          // synchronous, active high
  input  wire         cfg_valid,
  output wire         cfg_ready,
  input  wire   [4:0] cfg_width,    // W: 1..16 pixels
  input  wire   [3:0] cfg_height,   // H: 1..8 rows
  input  wire   [2:0] cfg_chans,    // C: 1..4 input channels
  input  wire   [1:0] cfg_k,        // K: kernel 1..3 (K x K)
  input  wire   [1:0] cfg_stride,   // S: 1..3
  input  wire   [1:0] cfg_pad,      // P: zero padding 0..K-1 on every side
  input  wire         in_valid,
  output wire         in_ready,
  input  wire  [31:0] in_data,      // weight words, then pixels: four signed int8 lanes, lane i in bits 8i+7:8i
  output wire         out_valid,
  input  wire         out_ready,
  output wire [127:0] out_data,     // four signed int32 filter outputs, filter f in bits 32f+31:32f
  output wire         out_last
);
  wire       adv = !out_valid || out_ready;  // the generator, the read registers and the core may move
  wire [4:0] width;
  wire [3:0] height;
  wire [2:0] chans;
  wire [1:0] k, stride, pad;
  wire       w_we, px_we, start, gen_busy, core_busy;
  wire [5:0] w_index;
  wire [6:0] px_index;
  wire       g_valid, g_zero, g_first, g_last, g_job_last;
  wire [6:0] g_addr;
  wire [1:0] g_lane;
  wire [5:0] g_kidx;
  wire signed [7:0] a_value;
  wire [31:0] w_row;

  ig_ctrl ctrl (
    .clk(clk), .rst(rst), .cfg_valid(cfg_valid), .cfg_ready(cfg_ready), .cfg_width(cfg_width),
    .cfg_height(cfg_height), .cfg_chans(cfg_chans), .cfg_k(cfg_k), .cfg_stride(cfg_stride), .cfg_pad(cfg_pad),
    .in_valid(in_valid), .in_ready(in_ready), .busy(gen_busy || core_busy), .w_we(w_we), .w_index(w_index),
    .px_we(px_we), .px_index(px_index), .start(start), .width(width), .height(height), .chans(chans), .k(k),
    .stride(stride), .pad(pad));

  ig_addrgen gen (
    .clk(clk), .rst(rst), .start(start), .adv(adv), .width(width), .height(height), .chans(chans), .k(k),
    .stride(stride), .pad(pad), .busy(gen_busy), .valid(g_valid), .addr(g_addr), .lane(g_lane), .zero(g_zero),
    .kidx(g_kidx), .first(g_first), .last(g_last), .job_last(g_job_last));

  ig_imgbuf image (
    .clk(clk), .we(px_we), .waddr(px_index), .wdata(in_data), .re(adv), .raddr(g_addr), .rlane(g_lane),
    .rzero(g_zero), .rdata(a_value));

  ig_wbuf weights (
    .clk(clk), .we(w_we), .waddr(w_index), .wdata(in_data), .re(adv), .raddr(g_kidx), .rdata(w_row));

  ig_gemm core (
    .clk(clk), .rst(rst), .adv(adv), .in_valid(g_valid), .in_first(g_first), .in_last(g_last),
    .in_job_last(g_job_last), .a(a_value), .w_row(w_row), .busy(core_busy), .out_valid(out_valid),
    .out_last(out_last), .out_data(out_data));
endmodule
