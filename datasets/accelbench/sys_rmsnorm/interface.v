module rmsnorm_unit (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high; gamma is kept
  input  wire              g_we,      // gamma write: gamma[g_addr] <= g_data
  input  wire        [5:0] g_addr,
  input  wire signed [7:0] g_data,    // Q1.6 (value / 64)
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,   // x_i
  input  wire              in_last,   // last element of the vector
  output wire              out_valid,
  input  wire              out_ready,
  output wire signed [7:0] out_data,  // y_i, Q3.4 (value / 16)
  output wire              out_last
);
