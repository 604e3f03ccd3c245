// Depthwise-separable convolution over a raster-order stream of 4-channel int8 pixels: a 3x3 depthwise
// convolution per channel (valid windows, stride 1) with rounding requantisation and optional ReLU, then a 1x1
// pointwise convolution mixing the four channels into four int8 outputs.
// Pipeline: pixel accept (line buffers, window registers) -> depthwise sums -> requant and pointwise sums ->
// requant and output. One global advance signal stalls every stage while the output is held by back-pressure.
// Written for aigchip AccelBench (Apache-2.0).
module dwsep_conv (
  input  wire        clk,
  input  wire        rst,          // synchronous, active high
  input  wire        cfg_valid,
  output wire        cfg_ready,
  input  wire  [4:0] cfg_width,    // W: 3..16 pixels
  input  wire  [5:0] cfg_height,   // H: 3..63 rows
  input  wire  [3:0] cfg_shift1,   // depthwise requantisation: rounding right shift 0..15
  input  wire        cfg_relu,     // 1: ReLU after the depthwise stage
  input  wire  [3:0] cfg_shift2,   // pointwise requantisation: rounding right shift 0..15
  input  wire        cfg_keep,     // 1: keep the previous job's weights (no weight words in the stream)
  input  wire        in_valid,
  output wire        in_ready,
  input  wire [31:0] in_data,      // weight words, then pixels: four signed int8 lanes, lane c in bits 8c+7:8c
  output wire        out_valid,
  input  wire        out_ready,
  output wire [31:0] out_data,     // four signed int8 output channels, channel o in bits 8o+7:8o
  output wire        out_last
);
  wire         adv = !out_valid || out_ready;  // every pipeline register may move
  wire         fire_w, fire_px, hit, hit_last, relu;
  wire   [3:0] w_index, col, shift1, shift2;
  wire [287:0] dw_taps;
  wire [127:0] pw_rows;
  wire  [31:0] up1, up2;
  wire         win_valid, dw_valid, dw_last, pw_busy;
  wire  [75:0] dw_sum;

  dw_ctrl ctrl (
    .clk(clk), .rst(rst), .cfg_valid(cfg_valid), .cfg_ready(cfg_ready), .cfg_width(cfg_width),
    .cfg_height(cfg_height), .cfg_shift1(cfg_shift1), .cfg_relu(cfg_relu), .cfg_shift2(cfg_shift2),
    .cfg_keep(cfg_keep), .in_valid(in_valid), .in_ready(in_ready), .adv(adv),
    .pipe_busy(win_valid || dw_valid || pw_busy), .fire_w(fire_w), .w_index(w_index), .fire_px(fire_px),
    .col(col), .hit(hit), .hit_last(hit_last), .shift1(shift1), .relu(relu), .shift2(shift2));

  dw_wbuf weights (.clk(clk), .we(fire_w), .index(w_index), .din(in_data), .dw_taps(dw_taps), .pw_rows(pw_rows));

  dw_linebuf lines (.clk(clk), .we(fire_px), .col(col), .din(in_data), .up1(up1), .up2(up2));

  dw_depthwise depthwise (
    .clk(clk), .rst(rst), .adv(adv), .fire(fire_px), .hit(hit), .hit_last(hit_last), .top(up2), .mid(up1),
    .bot(in_data), .taps(dw_taps), .win_valid(win_valid), .dw_valid(dw_valid), .dw_last(dw_last),
    .dw_sum(dw_sum));

  dw_pointwise pointwise (
    .clk(clk), .rst(rst), .adv(adv), .in_valid(dw_valid), .in_last(dw_last), .dw_sum(dw_sum), .shift1(shift1),
    .relu(relu), .shift2(shift2), .pw_rows(pw_rows), .busy(pw_busy), .out_valid(out_valid), .out_last(out_last),
    .out_data(out_data));
endmodule
