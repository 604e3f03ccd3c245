// Depthwise 1D convolution: four channels in parallel, each with its own 3-tap signed int8 kernel,
// valid mode, two-stage pipeline (products, then per-channel sums). Written for aigchip AccelBench
// (Apache-2.0).
module depthwise_conv3 (
  input  wire         clk,
  input  wire         rst,       // synchronous, active high
  input  wire         w_we,      // write kernel tap w_addr = 3*channel + tap
  input  wire [3:0]   w_addr,    // 0..11; 12..15 are ignored
  input  wire [7:0]   w_data,    // signed int8
  input  wire         in_valid,
  input  wire [31:0]  x,         // channel c sample (signed int8) in x[8*c +: 8]
  output reg          out_valid,
  output reg  [127:0] y          // channel c result (signed 32-bit) in y[32*c +: 32]
);
  reg [95:0]  kern;     // tap t of channel c in kern[8*(3*c+t) +: 8]; tap 0 weights the oldest sample
  reg [31:0]  h1, h2;   // per channel: the previous sample and the one before it
  reg [1:0]   fill;     // samples seen since reset, saturating at 2
  reg [191:0] prod;     // stage 1: product of channel c, tap t in prod[16*(3*c+t) +: 16]
  reg         p_valid;

  wire window_full = (fill == 2'd2);

  // stage 2 input: per-channel sum of the three sign-extended products
  reg [127:0] sums;
  integer c;
  always @(*) begin
    for (c = 0; c < 4; c = c + 1)
      sums[32*c +: 32] = {{16{prod[48*c+15]}}, prod[48*c +: 16]}
                       + {{16{prod[48*c+31]}}, prod[48*c+16 +: 16]}
                       + {{16{prod[48*c+47]}}, prod[48*c+32 +: 16]};
  end

  integer i, ch;
  always @(posedge clk) begin
    if (rst) begin
      kern <= 96'd0;  h1 <= 32'd0;  h2 <= 32'd0;  fill <= 2'd0;
      prod <= 192'd0;  p_valid <= 1'b0;
      out_valid <= 1'b0;  y <= 128'd0;
    end else begin
      for (i = 0; i < 12; i = i + 1)
        if (w_we && w_addr == i[3:0])
          kern[8*i +: 8] <= w_data;
      p_valid   <= in_valid && window_full;
      out_valid <= p_valid;
      if (in_valid) begin
        h1 <= x;
        h2 <= h1;
        if (!window_full)
          fill <= fill + 2'd1;
        else
          for (ch = 0; ch < 4; ch = ch + 1) begin
            prod[16*(3*ch+0) +: 16] <= $signed(kern[8*(3*ch+0) +: 8]) * $signed(h2[8*ch +: 8]);
            prod[16*(3*ch+1) +: 16] <= $signed(kern[8*(3*ch+1) +: 8]) * $signed(h1[8*ch +: 8]);
            prod[16*(3*ch+2) +: 16] <= $signed(kern[8*(3*ch+2) +: 8]) * $signed(x[8*ch +: 8]);
          end
      end
      if (p_valid)
        y <= sums;
    end
  end
endmodule
