// Multiply stage of csr_spmv: registers x[col] * value for a non-zero token (0 for an empty-row token) with the
// token's flags. Written for aigchip AccelBench (Apache-2.0).
module sv_mul (
  input  wire               clk,
  input  wire               rst,
  input  wire               adv,
  input  wire               tok_valid,
  input  wire               tok_first,
  input  wire               tok_end,
  input  wire               tok_last,
  input  wire               tok_nz,     // the token carries a non-zero (else it is an empty row)
  input  wire signed  [7:0] x,
  input  wire signed  [7:0] val,
  output reg                mul_valid,
  output reg                mul_first,
  output reg                mul_end,
  output reg                mul_last,
  output reg  signed [15:0] mul_prod
);
  always @(posedge clk) begin
    if (rst) begin
      mul_valid <= 1'b0;
    end else if (adv) begin
      mul_valid <= tok_valid;
      mul_first <= tok_first;
      mul_end   <= tok_end;
      mul_last  <= tok_last;
      mul_prod  <= tok_nz ? x * val : 16'sd0;
    end
  end
endmodule
