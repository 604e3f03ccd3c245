module sys_systolic_ws (
  input  wire         clk,
  input  wire         rst,
  input  wire         cmd_valid,
  output wire         cmd_ready,
  input  wire [5:0]   cmd_m,
  input  wire [2:0]   cmd_kt,
  input  wire [2:0]   cmd_nt,
  input  wire         in_valid,
  output wire         in_ready,
  input  wire [31:0]  in_data,
  output wire         out_valid,
  input  wire         out_ready,
  output wire [127:0] out_data,
  output wire         out_last,
  output wire         busy
);
