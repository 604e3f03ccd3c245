// N-lane signed int8 dot product: products registered in stage 1, an adder tree over them
// registered in stage 2. Written for aigchip AccelBench (Apache-2.0).
module dot_product_4lane #(
  parameter N = 4  // number of lanes
) (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high
  input  wire               in_valid,
  input  wire [8*N-1:0]     a,          // lane i: signed int8 in a[8*i+7:8*i]
  input  wire [8*N-1:0]     b,          // lane i: signed int8 in b[8*i+7:8*i]
  output reg                out_valid,
  output reg  signed [31:0] result
);
  // stage 1: one signed 16-bit product per lane
  reg [16*N-1:0] prod;
  reg            prod_valid;

  // stage 2 input: the adder tree over the registered products (sign-extended to 32 bits)
  reg signed [31:0] tree_sum;
  integer s;
  always @(*) begin
    tree_sum = 32'sd0;
    for (s = 0; s < N; s = s + 1)
      tree_sum = tree_sum + {{16{prod[16*s+15]}}, prod[16*s +: 16]};
  end

  integer l;
  always @(posedge clk) begin
    if (rst) begin
      prod       <= {16*N{1'b0}};
      prod_valid <= 1'b0;
      out_valid  <= 1'b0;
      result     <= 32'sd0;
    end else begin
      prod_valid <= in_valid;
      out_valid  <= prod_valid;
      if (in_valid)
        for (l = 0; l < N; l = l + 1)
          prod[16*l +: 16] <= $signed(a[8*l +: 8]) * $signed(b[8*l +: 8]);
      if (prod_valid)
        result <= tree_sum;
    end
  end
endmodule
