module vec_unit (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high; vector registers are not cleared
  input  wire               cmd_valid,
  output wire               cmd_ready,
  input  wire        [31:0] cmd_data,   // [31:28] op, [26:24] vd, [22:20] va, [18:16] vb, [15:0] imm, [3:0] shift
  input  wire               ld_valid,   // LOAD data, lane 0 first
  output wire               ld_ready,
  input  wire signed [15:0] ld_data,
  output wire               st_valid,   // STORE data, lane 0 first
  input  wire               st_ready,
  output wire signed [15:0] st_data,
  output wire               st_last,
  output wire               idle,       // every accepted command has retired
  output wire        [15:0] retired,    // commands retired since reset (wraps)
  output wire               err         // an illegal opcode was seen since reset
);
