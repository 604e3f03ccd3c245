// Window registers and reduction for pool_act. Each accepted pixel shifts a column (two rows above, one row
// above, the pixel) into a 3 x 3 window; when the pixel completes a pooling window the next stage registers
// the window's maximum or sum over its k x k bottom-right corner. Written for aigchip AccelBench (Apache-2.0).
module pa_window (
  input  wire               clk,
  input  wire               rst,
  input  wire               adv,
  input  wire               fire,
  input  wire               hit,
  input  wire               hit_last,
  input  wire               k3,
  input  wire               avg,
  input  wire signed  [7:0] top,
  input  wire signed  [7:0] mid,
  input  wire signed  [7:0] bot,
  output reg                win_valid,  // the window registers hold a complete window
  output reg                red_valid,
  output reg                red_last,
  output reg  signed [11:0] red_value   // the window's maximum (max pooling) or sum (average pooling)
);
  // w<row><col>: row 0 is two rows above the newest pixel, col 2 the newest column
  reg signed [7:0] w00, w01, w02, w10, w11, w12, w20, w21, w22;
  reg              win_last;

  function signed [7:0] larger(input signed [7:0] a, input signed [7:0] b);
    reg signed [8:0] diff;
    begin
      diff = a - b;
      larger = diff[8] ? b : a;
    end
  endfunction

  wire signed [7:0]  max4 = larger(larger(w11, w12), larger(w21, w22));
  wire signed [7:0]  max9 = larger(max4, larger(larger(w00, w01), larger(w02, larger(w10, w20))));
  wire signed [11:0] sum4 = w11 + w12 + w21 + w22;
  wire signed [11:0] sum9 = sum4 + w00 + w01 + w02 + w10 + w20;
  wire signed [7:0]  maxk = k3 ? max9 : max4;
  wire signed [11:0] sumk = k3 ? sum9 : sum4;

  always @(posedge clk) begin
    if (fire) begin
      w00 <= w01; w01 <= w02; w02 <= top;
      w10 <= w11; w11 <= w12; w12 <= mid;
      w20 <= w21; w21 <= w22; w22 <= bot;
    end
    if (rst) begin
      win_valid <= 1'b0;
      red_valid <= 1'b0;
    end else if (adv) begin
      win_valid <= fire && hit;
      win_last  <= hit_last;
      red_valid <= win_valid;
      red_last  <= win_last;
      red_value <= avg ? sumk : maxk;
    end
  end
endmodule
