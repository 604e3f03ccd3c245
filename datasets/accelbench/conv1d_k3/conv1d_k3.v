// Streaming 1D convolution (valid mode, kernel 3) over signed int8 samples with programmable
// int8 weights: y[m] = w0*x[m] + w1*x[m+1] + w2*x[m+2]. Written for aigchip AccelBench (Apache-2.0).
module conv1d_k3 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high
  input  wire               w_we,       // load w0, w1, w2 into the weight registers
  input  wire signed  [7:0] w0,         // weight of the oldest sample in the window
  input  wire signed  [7:0] w1,
  input  wire signed  [7:0] w2,         // weight of the newest sample in the window
  input  wire               in_valid,
  input  wire signed  [7:0] in_data,
  output reg                out_valid,
  output reg  signed [31:0] out_data
);
  reg signed [7:0] k0, k1, k2;   // weight registers
  reg signed [7:0] x1, x2;       // the previous sample and the one before it
  reg        [1:0] fill;         // samples held in the window, saturating at 2

  wire signed [15:0] p0 = k0 * x2;
  wire signed [15:0] p1 = k1 * x1;
  wire signed [15:0] p2 = k2 * in_data;
  wire signed [31:0] sum = {{16{p0[15]}}, p0} + {{16{p1[15]}}, p1} + {{16{p2[15]}}, p2};

  always @(posedge clk) begin
    if (rst) begin
      k0 <= 8'sd0;  k1 <= 8'sd0;  k2 <= 8'sd0;
      x1 <= 8'sd0;  x2 <= 8'sd0;
      fill      <= 2'd0;
      out_valid <= 1'b0;
      out_data  <= 32'sd0;
    end else begin
      if (w_we) begin
        k0 <= w0;  k1 <= w1;  k2 <= w2;
      end
      out_valid <= 1'b0;
      if (in_valid) begin
        x1 <= in_data;
        x2 <= x1;
        if (fill != 2'd2)
          fill <= fill + 2'd1;
        else begin
          out_valid <= 1'b1;
          out_data  <= sum;
        end
      end
    end
  end
endmodule
