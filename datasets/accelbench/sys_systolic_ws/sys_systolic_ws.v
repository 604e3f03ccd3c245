// sys_systolic_ws: C = A x B for int8 A (M x 4KT) and B (4KT x 4NT), int32 C, on a 4x4
// weight-stationary systolic array with double-buffered operand memory and a tile scheduler.
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
  wire        start, rd_bank, free_bank, a_valid, acc_first, draining, arr_v, arr_busy;
  wire [1:0]  bank_full;
  wire [5:0]  rd_addr, a_tag, arr_tag;
  wire [3:0]  w_load_row;
  wire [4:0]  drain_row;
  wire [31:0] rd_data;
  wire [127:0] arr_c;

  ws_sched sched (
    .clk(clk), .rst(rst), .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_m(cmd_m), .cmd_kt(cmd_kt),
    .cmd_nt(cmd_nt), .start(start), .bank_full(bank_full), .rd_bank(rd_bank), .rd_addr(rd_addr),
    .free_bank(free_bank), .w_load_row(w_load_row), .a_valid(a_valid), .a_tag(a_tag), .acc_first(acc_first),
    .array_busy(arr_busy), .draining(draining), .drain_row(drain_row), .out_last(out_last),
    .out_ready(out_ready), .busy(busy));

  ws_opbuf opbuf (
    .clk(clk), .rst(rst), .start(start), .tile_words(cmd_m + 6'd4), .tiles({2'd0, cmd_kt} * {2'd0, cmd_nt}),
    .wr_valid(in_valid), .wr_ready(in_ready), .wr_data(in_data), .rd_bank(rd_bank), .rd_addr(rd_addr),
    .rd_data(rd_data), .free_bank(free_bank), .full(bank_full));

  ws_array arr (
    .clk(clk), .rst(rst), .w_load_row(w_load_row), .w_data(rd_data), .in_v(a_valid), .in_tag(a_tag),
    .in_a(rd_data), .out_v(arr_v), .out_tag(arr_tag), .out_c(arr_c));

  // rows still inside the array: the scheduler waits for none before it releases a bank
  reg [3:0] in_flight;
  assign arr_busy = (in_flight != 4'd0);
  always @(posedge clk)
    if (rst)
      in_flight <= 4'd0;
    else
      in_flight <= in_flight + {3'd0, a_valid} - {3'd0, arr_v};

  ws_accbuf acc (
    .clk(clk), .wr_en(arr_v), .wr_first(acc_first), .wr_row(arr_tag[4:0]), .wr_data(arr_c),
    .rd_row(drain_row), .rd_data(out_data));

  assign out_valid = draining;
endmodule
