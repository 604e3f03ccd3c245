// Pooling and activation pipeline: max or average pooling with a k x k window (k = 2 or 3) and a stride of
// 1 to 3 over a raster-order stream of int8 feature-map pixels, then ReLU, ReLU6 or leaky ReLU.
// Pipeline: pixel accept (line buffer, window registers) -> window reduce -> average scale and activation.
// One global advance signal stalls every stage while the output is held by back-pressure.
// Written for aigchip AccelBench (Apache-2.0).
module pool_act (
  input  wire              clk,
  input  wire              rst,         // synchronous, active high
  input  wire              cfg_valid,
  output wire              cfg_ready,
  input  wire        [4:0] cfg_width,   // W: 2..16 pixels, at least k
  input  wire        [5:0] cfg_height,  // H: 2..63 rows, at least k
  input  wire        [1:0] cfg_k,       // window size: 2 or 3
  input  wire        [1:0] cfg_stride,  // 1, 2 or 3
  input  wire              cfg_avg,     // 0: max pooling, 1: average pooling
  input  wire        [1:0] cfg_act,     // 0: none, 1: ReLU, 2: clamp to [0, cfg_six], 3: leaky ReLU
  input  wire        [6:0] cfg_six,     // ReLU6 ceiling
  input  wire        [2:0] cfg_shift,   // leaky ReLU: negative values scaled by 2^-cfg_shift
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,
  output wire              out_valid,
  input  wire              out_ready,
  output wire signed [7:0] out_data,
  output wire              out_last
);
  wire       adv = !out_valid || out_ready;  // every pipeline register may move
  wire       fire, hit, hit_last, k3, avg;
  wire [3:0] col;
  wire [1:0] act;
  wire [6:0] six;
  wire [2:0] shift;
  wire       win_valid, red_valid, red_last;
  wire signed [7:0]  up1, up2;
  wire signed [11:0] red_value;

  pa_ctrl ctrl (
    .clk(clk), .rst(rst), .cfg_valid(cfg_valid), .cfg_ready(cfg_ready), .cfg_width(cfg_width),
    .cfg_height(cfg_height), .cfg_k(cfg_k), .cfg_stride(cfg_stride), .cfg_avg(cfg_avg), .cfg_act(cfg_act),
    .cfg_six(cfg_six), .cfg_shift(cfg_shift), .in_valid(in_valid), .in_ready(in_ready), .adv(adv),
    .pipe_busy(win_valid || red_valid || out_valid), .fire(fire), .col(col), .hit(hit), .hit_last(hit_last),
    .k3(k3), .avg(avg), .act(act), .six(six), .shift(shift));

  pa_linebuf lines (.clk(clk), .we(fire), .col(col), .din(in_data), .up1(up1), .up2(up2));

  pa_window window (
    .clk(clk), .rst(rst), .adv(adv), .fire(fire), .hit(hit), .hit_last(hit_last), .k3(k3), .avg(avg),
    .top(up2), .mid(up1), .bot(in_data), .win_valid(win_valid), .red_valid(red_valid), .red_last(red_last),
    .red_value(red_value));

  pa_post post (
    .clk(clk), .rst(rst), .adv(adv), .in_valid(red_valid), .in_last(red_last), .value(red_value), .k3(k3),
    .avg(avg), .act(act), .six(six), .shift(shift), .out_valid(out_valid), .out_last(out_last),
    .out_data(out_data));
endmodule
