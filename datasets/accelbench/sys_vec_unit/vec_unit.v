// A small vector unit driven by a command stream: eight vector registers of eight int16 lanes, a 4-entry command
// FIFO, and one lane per cycle through a saturating ALU (add, sub, fixed-point mul and mac with a rounding shift,
// relu, max, splat); LOAD and STORE move a vector over valid/ready data streams. Status: idle, a retired-command
// count and a sticky illegal-opcode flag. Written for aigchip AccelBench (Apache-2.0).
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
  wire        q_valid, q_pop, we;
  wire [31:0] q_cmd;
  wire [5:0]  ra, rb, rd, wa;
  wire [3:0]  op, shift;
  wire [15:0] imm;
  wire signed [15:0] a, b, d, alu_out, wdata;
  wire        use_load;

  vu_cmdq cmdq (
    .clk(clk), .rst(rst), .in_valid(cmd_valid), .in_ready(cmd_ready), .in_data(cmd_data), .out_valid(q_valid),
    .out_data(q_cmd), .pop(q_pop));

  vu_seq seq (
    .clk(clk), .rst(rst), .q_valid(q_valid), .q_cmd(q_cmd), .q_pop(q_pop), .ld_valid(ld_valid), .ld_ready(ld_ready),
    .st_valid(st_valid), .st_ready(st_ready), .st_last(st_last), .ra(ra), .rb(rb), .rd(rd), .we(we), .wa(wa),
    .use_load(use_load), .op(op), .shift(shift), .imm(imm), .idle(idle), .retired(retired), .err(err));

  vu_regfile regs (.clk(clk), .ra(ra), .rb(rb), .rd(rd), .a(a), .b(b), .d(d), .we(we), .wa(wa), .wdata(wdata));

  vu_alu alu (.op(op), .a(a), .b(b), .d(d), .shift(shift), .imm(imm), .y(alu_out));

  assign wdata   = use_load ? ld_data : alu_out;
  assign st_data = a;
endmodule
