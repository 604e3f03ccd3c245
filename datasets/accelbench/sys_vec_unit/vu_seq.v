// Sequencer of vec_unit: takes the command at the FIFO head, then runs it one lane per cycle (LOAD and STORE one
// lane per data transfer); NOP and illegal opcodes retire at once, illegal ones setting the sticky error flag.
// Written for aigchip AccelBench (Apache-2.0).
module vu_seq (
  input  wire        clk,
  input  wire        rst,
  input  wire        q_valid,
  input  wire [31:0] q_cmd,
  output wire        q_pop,
  input  wire        ld_valid,
  output wire        ld_ready,
  output wire        st_valid,
  input  wire        st_ready,
  output wire        st_last,
  output wire [5:0]  ra,
  output wire [5:0]  rb,
  output wire [5:0]  rd,
  output wire        we,
  output wire [5:0]  wa,
  output wire        use_load,
  output wire [3:0]  op,
  output wire [3:0]  shift,
  output wire [15:0] imm,
  output wire        idle,
  output reg  [15:0] retired,
  output reg         err
);
  localparam NOP = 4'd0, LOAD = 4'd1, STORE = 4'd2, LAST_OP = 4'd9;
  reg        busy;
  reg [31:0] cmd;   // the command being run
  reg [2:0]  lane;

  wire [3:0] head_op = q_cmd[31:28];
  wire       quick   = (head_op == NOP) || (head_op > LAST_OP);  // retires without running
  wire       step    = busy && (op == LOAD ? ld_valid : op == STORE ? st_ready : 1'b1);

  assign op       = cmd[31:28];
  assign shift    = cmd[3:0];
  assign imm      = cmd[15:0];
  assign ra       = {cmd[22:20], lane};
  assign rb       = {cmd[18:16], lane};
  assign rd       = {cmd[26:24], lane};
  assign wa       = rd;
  assign q_pop    = !busy && q_valid;
  assign ld_ready = busy && op == LOAD;
  assign st_valid = busy && op == STORE;
  assign st_last  = lane == 3'd7;
  assign use_load = op == LOAD;
  assign we       = step && op != STORE;
  assign idle     = !busy && !q_valid;

  always @(posedge clk) begin
    if (rst) begin
      busy    <= 1'b0;
      retired <= 16'd0;
      err     <= 1'b0;
    end else if (q_pop) begin
      cmd  <= q_cmd;
      lane <= 3'd0;
      if (quick) begin
        retired <= retired + 16'd1;
        if (head_op != NOP) err <= 1'b1;
      end else begin
        busy <= 1'b1;
      end
    end else if (step) begin
      lane <= lane + 3'd1;
      if (lane == 3'd7) begin
        busy    <= 1'b0;
        retired <= retired + 16'd1;
      end
    end
  end
endmodule
