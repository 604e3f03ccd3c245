// Pointwise stage of dwsep_conv: requantises the four depthwise sums (shift1, optional ReLU), registers the
// four outputs' dot products with the 4x4 pointwise weights, then requantises them (shift2) into the held
// output register. Both registers move only when the pipeline advances. Written for aigchip AccelBench
// (Apache-2.0).
module dw_pointwise (
  input  wire         clk,
  input  wire         rst,
  input  wire         adv,
  input  wire         in_valid,
  input  wire         in_last,
  input  wire  [75:0] dw_sum,    // channel c's signed 19-bit depthwise sum in bits 19c+18:19c
  input  wire   [3:0] shift1,
  input  wire         relu,
  input  wire   [3:0] shift2,
  input  wire [127:0] pw_rows,   // output o's weights in bits 32o+31:32o, lane i from channel i
  output wire         busy,      // a result is in this stage
  output reg          out_valid,
  output reg          out_last,
  output reg   [31:0] out_data   // output o's int8 in bits 8o+7:8o
);
  reg         pw_valid, pw_last;
  reg  [71:0] pw_sum;            // output o's signed 18-bit sum in bits 18o+17:18o
  wire [31:0] d;                 // requantised depthwise outputs, channel c in bits 8c+7:8c
  wire [71:0] sums;
  wire [31:0] y;

  genvar i;
  generate
    for (i = 0; i < 4; i = i + 1) begin : lane
      dw_requant #(.IW(19)) q1 (.x(dw_sum[19*i +: 19]), .shift(shift1), .relu(relu), .y(d[8*i +: 8]));
      assign sums[18*i +: 18] = $signed(d[7:0]) * $signed(pw_rows[32*i +: 8])
                              + $signed(d[15:8]) * $signed(pw_rows[32*i + 8 +: 8])
                              + $signed(d[23:16]) * $signed(pw_rows[32*i + 16 +: 8])
                              + $signed(d[31:24]) * $signed(pw_rows[32*i + 24 +: 8]);
      dw_requant #(.IW(18)) q2 (.x(pw_sum[18*i +: 18]), .shift(shift2), .relu(1'b0), .y(y[8*i +: 8]));
    end
  endgenerate

  assign busy = pw_valid || out_valid;

  always @(posedge clk) begin
    if (rst) begin
      pw_valid  <= 1'b0;
      out_valid <= 1'b0;
    end else if (adv) begin
      pw_valid  <= in_valid;
      pw_last   <= in_last;
      pw_sum    <= sums;
      out_valid <= pw_valid;
      out_last  <= pw_last;
      out_data  <= y;
    end
  end
endmodule
