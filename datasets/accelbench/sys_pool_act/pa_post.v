// Output stage of pool_act: scales a window sum to the rounded average, applies the activation and holds the
// result for the output stream. Written for aigchip AccelBench (Apache-2.0).
module pa_post (
  input  wire               clk,
  input  wire               rst,
  input  wire               adv,
  input  wire               in_valid,
  input  wire               in_last,
  input  wire signed [11:0] value,   // window maximum, or window sum when avg
  input  wire               k3,
  input  wire               avg,
  input  wire         [1:0] act,
  input  wire         [6:0] six,
  input  wire         [2:0] shift,
  output reg                out_valid,
  output reg                out_last,
  output reg  signed  [7:0] out_data
);
  // average = floor((sum * R + 2^15) / 2^16) with R = 16384 (k = 2) or 7282 (k = 3)
  wire signed [25:0] recip   = k3 ? 26'sd7282 : 26'sd16384;
  wire signed [25:0] scaled  = value * recip + 26'sd32768;
  wire signed [9:0]  average = scaled[25:16];
  wire signed [7:0]  pooled  = avg ? average[7:0] : value[7:0];

  // leaky: floor((x + 2^(shift-1)) / 2^shift) for a negative x (x itself when shift is 0)
  wire signed [8:0]  half  = (shift == 3'd0) ? 9'sd0 : (9'sd1 <<< (shift - 3'd1));
  wire signed [8:0]  leaky = ($signed({pooled[7], pooled}) + half) >>> shift;
  wire signed [7:0]  ceil  = {1'b0, six};

  reg signed [7:0] y;
  always @(*) begin
    if (!pooled[7] || act == 2'd0)
      y = (act == 2'd2 && pooled > ceil) ? ceil : pooled;
    else if (act == 2'd3)
      y = leaky[7:0];
    else
      y = 8'sd0;
  end

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
    end else if (adv) begin
      out_valid <= in_valid;
      out_last  <= in_last;
      out_data  <= y;
    end
  end
endmodule
