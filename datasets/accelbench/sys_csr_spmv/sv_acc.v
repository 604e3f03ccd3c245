// Accumulate stage of csr_spmv: sums a row's products (restarting on its first token) and, on its last token,
// places the row's dot product on the output, held until it is taken. Written for aigchip AccelBench (Apache-2.0).
module sv_acc (
  input  wire               clk,
  input  wire               rst,
  input  wire               adv,
  input  wire               mul_valid,
  input  wire               mul_first,
  input  wire               mul_end,
  input  wire               mul_last,
  input  wire signed [15:0] mul_prod,
  output reg                y_valid,
  output reg  signed [23:0] y_data,
  output reg                y_last
);
  reg signed [23:0] sum;
  wire signed [23:0] total = (mul_first ? 24'sd0 : sum) + mul_prod;

  always @(posedge clk) begin
    if (rst) begin
      y_valid <= 1'b0;
    end else if (adv) begin
      y_valid <= mul_valid && mul_end;
      if (mul_valid) sum <= total;
      y_data <= total;
      y_last <= mul_last;
    end
  end
endmodule
