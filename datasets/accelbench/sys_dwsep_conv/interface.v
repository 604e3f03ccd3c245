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
