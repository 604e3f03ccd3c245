// Start/busy/done controller: on start, runs `len` compute steps (one per cycle), then pulses
// done for one cycle and returns to idle. A three-state Moore machine.
// Written for aigchip (Apache-2.0).
module ctrl_fsm (
  input  wire       clk,
  input  wire       rst,       // synchronous, active high: to IDLE
  input  wire       start,     // begin a run; ignored unless idle
  input  wire [7:0] len,       // steps in the run, sampled with start; 0 goes straight to done
  output wire       busy,      // high while the steps run
  output wire       step_en,   // enable for the datapath, one step per cycle
  output reg  [7:0] step_idx,  // index of the current step, 0..len-1
  output wire       done       // high for exactly one cycle after the last step
);

  localparam [1:0] IDLE = 2'd0, RUN = 2'd1, DONE = 2'd2;
  reg [1:0] state;
  reg [7:0] last_idx;

  // Moore outputs: decoded from the state alone
  assign busy    = (state == RUN);
  assign step_en = (state == RUN);
  assign done    = (state == DONE);

  always @(posedge clk) begin
    if (rst) begin
      state    <= IDLE;
      step_idx <= 8'd0;
      last_idx <= 8'd0;
    end else begin
      case (state)
        IDLE: if (start) begin
          step_idx <= 8'd0;
          last_idx <= len - 8'd1;
          state    <= (len == 8'd0) ? DONE : RUN;
        end
        RUN: if (step_idx == last_idx) state <= DONE;
             else step_idx <= step_idx + 8'd1;
        default: state <= IDLE;  // DONE lasts one cycle
      endcase
    end
  end

endmodule
