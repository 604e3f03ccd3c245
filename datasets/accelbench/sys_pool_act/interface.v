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
