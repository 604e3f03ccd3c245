// Sequencer of softmax_unit: LOAD stores the vector and tracks its maximum, SUM adds exp(x - max) over the
// stored vector, DIV waits for the reciprocal of the sum, OUT issues one probability per cycle the output
// stage can take. Written for aigchip AccelBench (Apache-2.0).
module sm_ctrl (
  input  wire              clk,
  input  wire              rst,
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,
  input  wire              in_last,
  output wire              we,         // store in_data at waddr
  output wire        [4:0] waddr,
  output reg         [4:0] idx,        // element read in SUM and OUT
  output reg  signed [7:0] maxv,
  input  wire       [15:0] e,          // exp of element idx
  output reg        [20:0] sum,
  output wire              div_start,
  input  wire              div_busy,
  input  wire              can_issue,  // the output stage can take a value
  output wire              issue,
  output wire              issue_last
);
  localparam LOAD = 2'd0, SUM = 2'd1, DIV = 2'd2, OUT = 2'd3;
  reg [1:0] state;
  reg [5:0] count;  // elements stored

  wire signed [8:0] rise = in_data - maxv;  // negative when in_data is below the maximum so far
  wire              at_end = ({1'b0, idx} == count - 6'd1);

  assign in_ready   = (state == LOAD);
  assign we         = in_valid && in_ready;
  assign waddr      = count[4:0];
  assign div_start  = (state == SUM) && at_end;
  assign issue      = (state == OUT) && can_issue;
  assign issue_last = at_end;

  always @(posedge clk) begin
    if (rst) begin
      state <= LOAD;
      count <= 6'd0;
      maxv  <= -8'sd128;
    end else begin
      case (state)
        LOAD: if (we) begin
          count <= count + 6'd1;
          if (!rise[8]) maxv <= in_data;
          if (in_last) begin
            state <= SUM;
            idx   <= 5'd0;
            sum   <= 21'd0;
          end
        end
        SUM: begin
          sum <= sum + {5'd0, e};
          idx <= idx + 5'd1;
          if (at_end) state <= DIV;
        end
        DIV: if (!div_busy) begin
          state <= OUT;
          idx   <= 5'd0;
        end
        default: if (issue) begin  // OUT
          idx <= idx + 5'd1;
          if (at_end) begin
            state <= LOAD;
            count <= 6'd0;
            maxv  <= -8'sd128;
          end
        end
      endcase
    end
  end
endmodule
