// Four-lane int8 ReLU6 with a programmable (quantised) ceiling: each lane becomes
// min(max(x, 0), six). One register stage with a valid bit.
// Written for aigchip AccelBench (Apache-2.0).
module relu6_s8 (
  input  wire        clk,
  input  wire        rst,        // synchronous, active high: valid_out <= 0, dout <= 0
  input  wire        valid_in,
  input  wire [31:0] din,        // lane i: signed int8 in din[8*i +: 8]
  input  wire [7:0]  six,        // unsigned ceiling (the quantised value of 6.0), 0..255
  output reg         valid_out,
  output reg  [31:0] dout        // lane i: clamp(x_i, 0, six), loaded when valid_in; holds otherwise
);
  reg [31:0] result;
  reg [7:0]  x;
  integer    i;

  always @(*) begin
    for (i = 0; i < 4; i = i + 1) begin
      x = din[8*i +: 8];
      if (x[7])                              // negative: ReLU
        result[8*i +: 8] = 8'd0;
      else if ({1'b0, x} > {1'b0, six})      // both non-negative here: compare as 9-bit unsigned
        result[8*i +: 8] = six;
      else
        result[8*i +: 8] = x;
    end
  end

  always @(posedge clk) begin
    if (rst) begin
      valid_out <= 1'b0;
      dout      <= 32'd0;
    end else begin
      valid_out <= valid_in;
      if (valid_in) dout <= result;
    end
  end
endmodule
