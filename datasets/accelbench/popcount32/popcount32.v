// 32-bit population count: a combinational output and a registered copy with a valid bit.
// Written for aigchip AccelBench (Apache-2.0).
module popcount32 (
  input  wire        clk,
  input  wire        rst,        // synchronous, active high: valid_out <= 0, count_q <= 0
  input  wire        valid_in,
  input  wire [31:0] din,
  output wire [5:0]  count,      // number of 1 bits in din, combinational (0..32)
  output reg         valid_out,  // valid_in delayed by one edge
  output reg  [5:0]  count_q     // count of the din sampled with valid_in; holds otherwise
);
  // a balanced tree of adders: 16 x 2-bit, 8 x 3-bit, 4 x 4-bit, 2 x 5-bit, 1 x 6-bit
  reg [1:0] c1 [0:15];
  reg [2:0] c2 [0:7];
  reg [3:0] c3 [0:3];
  reg [4:0] c4 [0:1];
  integer i;

  always @(*) begin
    for (i = 0; i < 16; i = i + 1) c1[i] = {1'b0, din[2*i]} + {1'b0, din[2*i+1]};
    for (i = 0; i < 8; i = i + 1)  c2[i] = {1'b0, c1[2*i]} + {1'b0, c1[2*i+1]};
    for (i = 0; i < 4; i = i + 1)  c3[i] = {1'b0, c2[2*i]} + {1'b0, c2[2*i+1]};
    for (i = 0; i < 2; i = i + 1)  c4[i] = {1'b0, c3[2*i]} + {1'b0, c3[2*i+1]};
  end

  assign count = {1'b0, c4[0]} + {1'b0, c4[1]};

  always @(posedge clk) begin
    if (rst) begin
      valid_out <= 1'b0;
      count_q   <= 6'd0;
    end else begin
      valid_out <= valid_in;
      if (valid_in) count_q <= count;
    end
  end
endmodule
