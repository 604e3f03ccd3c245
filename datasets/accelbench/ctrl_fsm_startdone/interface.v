module ctrl_fsm_startdone #(
  parameter N = 3,
  parameter M = 5,
  parameter S = 2
) (
  input  wire clk,
  input  wire rst,
  input  wire start,
  input  wire abort,
  output reg  busy,
  output reg  load_en,
  output reg  compute_en,
  output reg  store_en,
  output reg  done
);
