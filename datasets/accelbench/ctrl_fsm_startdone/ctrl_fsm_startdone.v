// Accelerator controller: start -> LOAD (N cycles) -> COMPUTE (M cycles) -> STORE (S cycles) ->
// DONE (one cycle) -> idle, with a busy flag, start ignored while busy, and abort back to idle.
// Moore outputs decoded from the state register. Written for aigchip AccelBench (Apache-2.0).
module ctrl_fsm_startdone #(
  parameter N = 3,  // load cycles (at least 1)
  parameter M = 5,  // compute cycles (at least 1)
  parameter S = 2   // store cycles (at least 1)
) (
  input  wire clk,
  input  wire rst,         // synchronous, active high
  input  wire start,       // begin a job when idle or done
  /* verilator lint_off SYMRSVDWORD */
  input  wire abort,       // return to idle at once (no done pulse)
  /* verilator lint_on SYMRSVDWORD */
  output reg  busy,        // in LOAD, COMPUTE or STORE
  output reg  load_en,
  output reg  compute_en,
  output reg  store_en,
  output reg  done         // one cycle after the last store cycle
);
  localparam [2:0] IDLE = 3'd0, LOAD = 3'd1, COMPUTE = 3'd2, STORE = 3'd3, DONE = 3'd4;
  localparam [15:0] N_LAST = N - 1, M_LAST = M - 1, S_LAST = S - 1;

  reg [2:0]  state;
  reg [15:0] cnt;   // cycles spent in the current phase

  always @(*) begin
    busy       = (state == LOAD) || (state == COMPUTE) || (state == STORE);
    load_en    = (state == LOAD);
    compute_en = (state == COMPUTE);
    store_en   = (state == STORE);
    done       = (state == DONE);
  end

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      cnt   <= 16'd0;
    end else if (abort) begin
      state <= IDLE;
      cnt   <= 16'd0;
    end else begin
      case (state)
        IDLE, DONE: begin
          state <= start ? LOAD : IDLE;
          cnt   <= 16'd0;
        end
        LOAD:
          if (cnt == N_LAST) begin state <= COMPUTE; cnt <= 16'd0; end
          else cnt <= cnt + 16'd1;
        COMPUTE:
          if (cnt == M_LAST) begin state <= STORE; cnt <= 16'd0; end
          else cnt <= cnt + 16'd1;
        STORE:
          if (cnt == S_LAST) begin state <= DONE; cnt <= 16'd0; end
          else cnt <= cnt + 16'd1;
        default: begin
          state <= IDLE;
          cnt   <= 16'd0;
        end
      endcase
    end
  end
endmodule
