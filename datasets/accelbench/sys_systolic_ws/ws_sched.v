// Tile scheduler. For each output column tile nt and each k-tile kt, in the order the operands
// arrive: wait for a full operand bank, load its four weight rows into the array, stream its M
// activation rows through, wait for the array to empty and free_bank the bank; after the last k-tile,
// drain the accumulated output tile (M rows) over the valid/ready output stream.
module ws_sched (
  input  wire        clk,
  input  wire        rst,
  input  wire        cmd_valid,
  output wire        cmd_ready,
  input  wire [5:0]  cmd_m,
  input  wire [2:0]  cmd_kt,
  input  wire [2:0]  cmd_nt,
  output wire        start,       // the command is accepted this cycle
  input  wire [1:0]  bank_full,
  output reg         rd_bank,
  output reg  [5:0]  rd_addr,
  output wire        free_bank,
  output reg  [3:0]  w_load_row,  // one cycle after the weight row's read
  output reg         a_valid,     // one cycle after the activation row's read
  output reg  [5:0]  a_tag,
  output wire        acc_first,   // this k-tile starts the output tile
  input  wire        array_busy,
  output wire        draining,
  output reg  [4:0]  drain_row,
  output wire        out_last,
  input  wire        out_ready,
  output wire        busy
);
  localparam IDLE = 3'd0, WAIT = 3'd1, WEIGHTS = 3'd2, STREAM = 3'd3, FLUSH = 3'd4, DRAIN = 3'd5;

  reg [2:0] state;
  reg [5:0] m;
  reg [2:0] kt_total, nt_total, kt, nt;

  assign cmd_ready = (state == IDLE);
  assign start = cmd_valid && cmd_ready;
  assign busy = (state != IDLE);
  assign acc_first = (kt == 3'd0);
  assign draining = (state == DRAIN);
  wire last_row = ({1'b0, drain_row} == m - 6'd1);
  assign out_last = draining && last_row && (nt == nt_total - 3'd1);
  wire flushed = (state == FLUSH) && !array_busy && !a_valid;
  assign free_bank = flushed;

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      rd_bank <= 1'b0;
      rd_addr <= 6'd0;
      w_load_row <= 4'd0;
      a_valid <= 1'b0;
      kt <= 3'd0;
      nt <= 3'd0;
      drain_row <= 5'd0;
    end else begin
      w_load_row <= 4'd0;
      a_valid <= 1'b0;
      case (state)
        IDLE: if (cmd_valid) begin
          m <= cmd_m;
          kt_total <= cmd_kt;
          nt_total <= cmd_nt;
          kt <= 3'd0;
          nt <= 3'd0;
          rd_bank <= 1'b0;
          state <= WAIT;
        end
        WAIT: if (bank_full[rd_bank]) begin
          rd_addr <= 6'd0;
          state <= WEIGHTS;
        end
        WEIGHTS: begin
          w_load_row <= 4'd1 << rd_addr[1:0];
          rd_addr <= rd_addr + 6'd1;
          if (rd_addr == 6'd3)
            state <= STREAM;
        end
        STREAM: begin
          a_valid <= 1'b1;
          a_tag <= rd_addr - 6'd4;
          rd_addr <= rd_addr + 6'd1;
          if (rd_addr == m + 6'd3)
            state <= FLUSH;
        end
        FLUSH: if (flushed) begin
          rd_bank <= ~rd_bank;
          if (kt == kt_total - 3'd1) begin
            drain_row <= 5'd0;
            state <= DRAIN;
          end else begin
            kt <= kt + 3'd1;
            state <= WAIT;
          end
        end
        DRAIN: if (out_ready) begin
          drain_row <= drain_row + 5'd1;
          if (last_row) begin
            kt <= 3'd0;
            nt <= nt + 3'd1;
            state <= (nt == nt_total - 3'd1) ? IDLE : WAIT;
          end
        end
        default: state <= IDLE;
      endcase
    end
  end
endmodule
