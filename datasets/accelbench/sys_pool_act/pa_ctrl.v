// Job control for pool_act: takes one configuration, counts the W x H pixels of the job, flags the pixels that
// complete a pooling window (its bottom-right corner on the stride grid) and the job's final window, and waits
// for the pipeline to drain before the next configuration. Written for aigchip AccelBench (Apache-2.0).
module pa_ctrl (
  input  wire       clk,
  input  wire       rst,
  input  wire       cfg_valid,
  output wire       cfg_ready,
  input  wire [4:0] cfg_width,
  input  wire [5:0] cfg_height,
  input  wire [1:0] cfg_k,
  input  wire [1:0] cfg_stride,
  input  wire       cfg_avg,
  input  wire [1:0] cfg_act,
  input  wire [6:0] cfg_six,
  input  wire [2:0] cfg_shift,
  input  wire       in_valid,
  output wire       in_ready,
  input  wire       adv,        // the pipeline moves this cycle
  input  wire       pipe_busy,  // a result is still inside the pipeline
  output wire       fire,       // a pixel is accepted this cycle
  output wire [3:0] col,        // its column
  output wire       hit,        // it completes a pooling window
  output wire       hit_last,   // it completes the job's final window
  output reg        k3,
  output reg        avg,
  output reg  [1:0] act,
  output reg  [6:0] six,
  output reg  [2:0] shift
);
  localparam IDLE = 2'd0, RUN = 2'd1, DRAIN = 2'd2;
  reg [1:0] state;
  reg [4:0] width;
  reg [5:0] height;
  reg [1:0] stride;
  reg [3:0] c;       // column of the next pixel
  reg [5:0] r;       // row of the next pixel
  reg [1:0] cphase;  // columns since the last window column, modulo the stride
  reg [1:0] rphase;  // rows since the last window row, modulo the stride

  wire [4:0] k_minus_1 = k3 ? 5'd2 : 5'd1;
  wire       col_end = ({1'b0, c} == width - 5'd1);
  wire       row_end = (r == height - 6'd1);
  wire       col_in = ({1'b0, c} >= k_minus_1);
  wire       row_in = ({1'b0, r} >= {1'b0, k_minus_1});

  assign cfg_ready = (state == IDLE);
  assign in_ready  = (state == RUN) && adv;
  assign fire      = in_valid && in_ready;
  assign col       = c;
  assign hit       = col_in && row_in && cphase == 2'd0 && rphase == 2'd0;
  assign hit_last  = hit && ({1'b0, c} + {3'b0, stride} >= width) && ({1'b0, r} + {5'b0, stride} >= {1'b0, height});

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
    end else begin
      case (state)
        IDLE: if (cfg_valid) begin
          width <= cfg_width; height <= cfg_height; stride <= cfg_stride; k3 <= (cfg_k == 2'd3);
          avg <= cfg_avg; act <= cfg_act; six <= cfg_six; shift <= cfg_shift;
          c <= 4'd0; r <= 6'd0; rphase <= 2'd0;  // cphase restarts at every row end; row 0 has no window
          state <= RUN;
        end
        RUN: if (fire) begin
          if (col_end) begin
            c <= 4'd0;
            cphase <= 2'd0;
            r <= r + 6'd1;
            if (row_in) rphase <= (rphase == stride - 2'd1) ? 2'd0 : rphase + 2'd1;
            if (row_end) state <= DRAIN;
          end else begin
            c <= c + 4'd1;
            if (col_in) cphase <= (cphase == stride - 2'd1) ? 2'd0 : cphase + 2'd1;
          end
        end
        default: if (!pipe_busy) state <= IDLE;  // DRAIN
      endcase
    end
  end
endmodule
