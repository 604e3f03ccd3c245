// Sparse matrix times dense vector, CSR format, int8: a job streams the dense vector x (1 to 32 entries) into a
// buffer, then the row pointers and the (column, value) non-zeros of the matrix; one int24 dot product per row
// comes out, empty rows included. Tokens (product, first/end/last of row) flow through a multiply stage and an
// accumulator; one advance signal stalls both while the output is held by back-pressure.
// Written for aigchip AccelBench (Apache-2.0).
module csr_spmv (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high
  input  wire               x_valid,    // dense vector
  output wire               x_ready,
  input  wire signed  [7:0] x_data,
  input  wire               x_last,
  input  wire               ptr_valid,  // row pointers: rows + 1 of them
  output wire               ptr_ready,
  input  wire         [7:0] ptr_data,
  input  wire               ptr_last,
  input  wire               nz_valid,   // non-zeros in row order
  output wire               nz_ready,
  input  wire         [4:0] nz_col,
  input  wire signed  [7:0] nz_val,
  output wire               y_valid,    // one dot product per row
  input  wire               y_ready,
  output wire signed [23:0] y_data,
  output wire               y_last
);
  wire adv = !y_valid || y_ready;
  wire x_we, tok_valid, tok_first, tok_end, tok_last;
  wire [4:0] x_waddr;
  wire signed [7:0] x_col;
  wire mul_valid, mul_first, mul_end, mul_last;
  wire signed [15:0] mul_prod;

  sv_ctrl ctrl (
    .clk(clk), .rst(rst), .adv(adv), .x_valid(x_valid), .x_ready(x_ready), .x_last(x_last), .x_we(x_we),
    .x_waddr(x_waddr), .ptr_valid(ptr_valid), .ptr_ready(ptr_ready), .ptr_data(ptr_data), .ptr_last(ptr_last),
    .nz_valid(nz_valid), .nz_ready(nz_ready), .tok_valid(tok_valid), .tok_first(tok_first), .tok_end(tok_end),
    .tok_last(tok_last));

  sv_xbuf xbuf (.clk(clk), .we(x_we), .waddr(x_waddr), .wdata(x_data), .raddr(nz_col), .rdata(x_col));

  sv_mul mul (
    .clk(clk), .rst(rst), .adv(adv), .tok_valid(tok_valid), .tok_first(tok_first), .tok_end(tok_end),
    .tok_last(tok_last), .tok_nz(nz_ready), .x(x_col), .val(nz_val), .mul_valid(mul_valid), .mul_first(mul_first),
    .mul_end(mul_end), .mul_last(mul_last), .mul_prod(mul_prod));

  sv_acc acc (
    .clk(clk), .rst(rst), .adv(adv), .mul_valid(mul_valid), .mul_first(mul_first), .mul_end(mul_end),
    .mul_last(mul_last), .mul_prod(mul_prod), .y_valid(y_valid), .y_data(y_data), .y_last(y_last));
endmodule
