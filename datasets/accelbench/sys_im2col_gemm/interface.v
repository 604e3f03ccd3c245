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
