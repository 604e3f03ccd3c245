// Depthwise stage of dwsep_conv. Each accepted pixel shifts a column (two rows above, one row above, the pixel)
// into a 3x3 window of 4-channel pixels; when the pixel completes a window the next advancing edge registers,
// per channel, the window's dot product with that channel's nine taps. Written for aigchip AccelBench
// (Apache-2.0).
module dw_depthwise (
  input  wire         clk,
  input  wire         rst,
  input  wire         adv,
  input  wire         fire,
  input  wire         hit,
  input  wire         hit_last,
  input  wire  [31:0] top,
  input  wire  [31:0] mid,
  input  wire  [31:0] bot,
  input  wire [287:0] taps,       // tap 3*row + col in bits 32t+31:32t, lane c for channel c
  output reg          win_valid,  // the window registers hold a complete window
  output reg          dw_valid,
  output reg          dw_last,
  output reg   [75:0] dw_sum      // channel c's signed 19-bit sum in bits 19c+18:19c
);
  // w<row><col>: row 0 is two rows above the newest pixel, col 2 the newest column
  reg [31:0] w00, w01, w02, w10, w11, w12, w20, w21, w22;
  reg        win_last;

  function signed [18:0] dot9(input [71:0] x, input [71:0] k);
    integer t;
    begin
      dot9 = 19'sd0;
      for (t = 0; t < 9; t = t + 1)
        dot9 = dot9 + $signed(x[8*t +: 8]) * $signed(k[8*t +: 8]);
    end
  endfunction

  wire [75:0] sums;
  genvar ch;
  generate
    for (ch = 0; ch < 4; ch = ch + 1) begin : lane
      wire [71:0] x = {w22[8*ch +: 8], w21[8*ch +: 8], w20[8*ch +: 8], w12[8*ch +: 8], w11[8*ch +: 8],
                       w10[8*ch +: 8], w02[8*ch +: 8], w01[8*ch +: 8], w00[8*ch +: 8]};
      wire [71:0] k = {taps[256 + 8*ch +: 8], taps[224 + 8*ch +: 8], taps[192 + 8*ch +: 8],
                       taps[160 + 8*ch +: 8], taps[128 + 8*ch +: 8], taps[96 + 8*ch +: 8],
                       taps[64 + 8*ch +: 8], taps[32 + 8*ch +: 8], taps[8*ch +: 8]};
      assign sums[19*ch +: 19] = dot9(x, k);
    end
  endgenerate

  always @(posedge clk) begin
    if (fire) begin
      w00 <= w01; w01 <= w02; w02 <= top;
      w10 <= w11; w11 <= w12; w12 <= mid;
      w20 <= w21; w21 <= w22; w22 <= bot;
    end
    if (rst) begin
      win_valid <= 1'b0;
      dw_valid  <= 1'b0;
    end else if (adv) begin
      win_valid <= fire && hit;
      win_last  <= hit_last;
      dw_valid  <= win_valid;
      dw_last   <= win_last;
      dw_sum    <= sums;
    end
  end
endmodule
