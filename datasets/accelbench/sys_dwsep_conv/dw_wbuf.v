// Weight store for dwsep_conv: 13 words written by index as they arrive; words 0..8 are the depthwise taps
// (tap 3*row + col, lane c the weight of channel c), words 9..12 the pointwise rows (row o, lane i the weight
// from channel i to output o). Written for aigchip AccelBench (Apache-2.0).
module dw_wbuf (
  input  wire         clk,
  input  wire         we,
  input  wire   [3:0] index,
  input  wire  [31:0] din,
  output wire [287:0] dw_taps,  // tap t in bits 32t+31:32t
  output wire [127:0] pw_rows   // row o in bits 32o+31:32o
);
  reg [31:0] word [0:12];

  always @(posedge clk) begin
    if (we) word[index] <= din;
  end

  assign dw_taps = {word[8], word[7], word[6], word[5], word[4], word[3], word[2], word[1], word[0]};
  assign pw_rows = {word[12], word[11], word[10], word[9]};
endmodule
