// Job control of csr_spmv: VEC takes the dense vector, FIRST the first row pointer, PTR each next pointer (a row
// of length zero becomes one empty-row token at once), ROW the row's non-zeros, one token each. A token says
// whether it starts its row, ends it, and ends the job. Written for aigchip AccelBench (Apache-2.0).
module sv_ctrl (
  input  wire       clk,
  input  wire       rst,
  input  wire       adv,        // the token pipeline moves this cycle
  input  wire       x_valid,
  output wire       x_ready,
  input  wire       x_last,
  output wire       x_we,
  output reg  [4:0] x_waddr,
  input  wire       ptr_valid,
  output wire       ptr_ready,
  input  wire [7:0] ptr_data,
  input  wire       ptr_last,
  input  wire       nz_valid,
  output wire       nz_ready,
  output wire       tok_valid,  // a token enters the pipeline this cycle
  output wire       tok_first,
  output wire       tok_end,
  output wire       tok_last
);
  localparam VEC = 2'd0, FIRST = 2'd1, PTR = 2'd2, ROW = 2'd3;
  reg [1:0] state;
  reg [7:0] prev;       // the previous row pointer
  reg [7:0] remaining;  // non-zeros left in the current row
  reg       started;    // the current row has had a non-zero
  reg       final_row;  // the current row is the job's last

  wire [7:0] length   = ptr_data - prev;
  wire       ptr_fire = ptr_valid && ptr_ready;
  wire       nz_fire  = nz_valid && nz_ready;
  wire       empty    = ptr_fire && (state == PTR) && (length == 8'd0);

  assign x_ready   = (state == VEC);
  assign x_we      = x_valid && x_ready;
  assign ptr_ready = adv && (state == FIRST || state == PTR);
  assign nz_ready  = adv && (state == ROW);
  assign tok_valid = empty || nz_fire;
  assign tok_first = empty || !started;
  assign tok_end   = empty || remaining == 8'd1;
  assign tok_last  = empty ? ptr_last : final_row;

  always @(posedge clk) begin
    if (rst) begin
      state   <= VEC;
      x_waddr <= 5'd0;
    end else begin
      case (state)
        VEC: if (x_we) begin
          x_waddr <= x_waddr + 5'd1;
          if (x_last) state <= FIRST;
        end
        FIRST: if (ptr_fire) begin
          prev  <= ptr_data;
          state <= PTR;
        end
        PTR: if (ptr_fire) begin
          prev      <= ptr_data;
          remaining <= length;
          started   <= 1'b0;
          final_row <= ptr_last;
          if (length != 8'd0) state <= ROW;
          else if (ptr_last) begin
            state   <= VEC;
            x_waddr <= 5'd0;
          end
        end
        default: if (nz_fire) begin  // ROW
          remaining <= remaining - 8'd1;
          started   <= 1'b1;
          if (remaining == 8'd1) begin
            state <= final_row ? VEC : PTR;
            x_waddr <= 5'd0;
          end
        end
      endcase
    end
  end
endmodule
