// Sequencer of rmsnorm_unit: LOAD stores the vector and sums its squares, START launches the reciprocal square
// root, ROOT waits for it, OUT issues one element per cycle the output stage can take.
// Written for aigchip AccelBench (Apache-2.0).
module rn_ctrl (
  input  wire              clk,
  input  wire              rst,
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,
  input  wire              in_last,
  output wire              we,
  output wire        [5:0] waddr,
  output reg         [5:0] idx,
  output reg         [6:0] count,   // N, elements stored
  output reg        [20:0] sumsq,   // sum of x^2
  output wire              root_start,
  input  wire              root_busy,
  input  wire              can_issue,
  output wire              issue,
  output wire              issue_last
);
  localparam LOAD = 2'd0, START = 2'd1, ROOT = 2'd2, OUT = 2'd3;
  reg [1:0] state;

  wire signed [15:0] square = in_data * in_data;
  wire               at_end = ({1'b0, idx} == count - 7'd1);

  assign in_ready   = (state == LOAD);
  assign we         = in_valid && in_ready;
  assign waddr      = count[5:0];
  assign root_start = (state == START);
  assign issue      = (state == OUT) && can_issue;
  assign issue_last = at_end;

  always @(posedge clk) begin
    if (rst) begin
      state <= LOAD;
      count <= 7'd0;
      sumsq <= 21'd0;
    end else begin
      case (state)
        LOAD: if (we) begin
          count <= count + 7'd1;
          sumsq <= sumsq + {5'd0, square};
          if (in_last) state <= START;
        end
        START: state <= ROOT;
        ROOT: if (!root_busy) begin
          state <= OUT;
          idx   <= 6'd0;
        end
        default: if (issue) begin  // OUT
          idx <= idx + 6'd1;
          if (at_end) begin
            state <= LOAD;
            count <= 7'd0;
            sumsq <= 21'd0;
          end
        end
      endcase
    end
  end
endmodule
