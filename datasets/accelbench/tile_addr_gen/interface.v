module tile_addr_gen #(
  parameter ROWS = 5,
  parameter COLS = 6,
  parameter TR   = 2,
  parameter TC   = 4,
  parameter AW   = 16
) (
  input  wire          clk,
  input  wire          rst,
  input  wire          start,
  input  wire          next,
  output reg           valid,
  output wire [AW-1:0] addr,
  output wire          tile_end,
  output reg           done
);
