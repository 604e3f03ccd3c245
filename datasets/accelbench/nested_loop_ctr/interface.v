module nested_loop_ctr (
  input  wire       clk,
  input  wire       rst,
  input  wire       start,
  input  wire       en,
  input  wire [7:0] bound_i,
  input  wire [7:0] bound_j,
  input  wire [7:0] bound_k,
  output reg        busy,
  output reg  [7:0] i,
  output reg  [7:0] j,
  output reg  [7:0] k,
  output wire       last_k,
  output wire       last_j,
  output wire       last_i,
  output reg        done
);
