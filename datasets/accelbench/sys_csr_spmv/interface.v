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
