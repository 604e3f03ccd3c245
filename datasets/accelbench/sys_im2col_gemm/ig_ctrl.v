// Job control for im2col_gemm: takes one configuration, then the K*K*C weight words into the weight buffer and
// the W*H pixel words into the image buffer, starts the im2col address generator on the last pixel, and waits
// for the generator and the GEMM core to finish before the next configuration. Written for aigchip AccelBench
// (Apache-2.0).
module ig_ctrl (
  input  wire       clk,
  input  wire       rst,
  input  wire       cfg_valid,
  output wire       cfg_ready,
  input  wire [4:0] cfg_width,
  input  wire [3:0] cfg_height,
  input  wire [2:0] cfg_chans,
  input  wire [1:0] cfg_k,
  input  wire [1:0] cfg_stride,
  input  wire [1:0] cfg_pad,
  input  wire       in_valid,
  output wire       in_ready,
  input  wire       busy,       // the generator or the core still holds work of this job
  output wire       w_we,       // a weight word is accepted this cycle
  output reg  [5:0] w_index,    // its index, 0..K*K*C-1
  output wire       px_we,      // a pixel word is accepted this cycle
  output reg  [6:0] px_index,   // its index, row * W + column
  output wire       start,      // the image is complete: the generator starts
  output reg  [4:0] width,
  output reg  [3:0] height,
  output reg  [2:0] chans,
  output reg  [1:0] k,
  output reg  [1:0] stride,
  output reg  [1:0] pad
);
  localparam IDLE = 2'd0, WEIGHTS = 2'd1, PIXELS = 2'd2, RUN = 2'd3;
  reg  [1:0] state;
  wire [3:0] kk      = k * k;
  wire [5:0] n_words = kk * chans;          // patch length L = K*K*C
  wire [7:0] n_px    = width * height;      // W*H

  assign cfg_ready = (state == IDLE);
  assign in_ready  = (state == WEIGHTS) || (state == PIXELS);
  assign w_we      = in_valid && state == WEIGHTS;
  assign px_we     = in_valid && state == PIXELS;
  assign start     = px_we && ({1'b0, px_index} == n_px - 8'd1);

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
    end else begin
      case (state)
        IDLE: if (cfg_valid) begin
          width <= cfg_width; height <= cfg_height; chans <= cfg_chans;
          k <= cfg_k; stride <= cfg_stride; pad <= cfg_pad;
          w_index <= 6'd0; px_index <= 7'd0;
          state <= WEIGHTS;
        end
        WEIGHTS: if (w_we) begin
          w_index <= w_index + 6'd1;
          if (w_index == n_words - 6'd1) state <= PIXELS;
        end
        PIXELS: if (px_we) begin
          px_index <= px_index + 7'd1;
          if (start) state <= RUN;
        end
        default: if (!busy) state <= IDLE;  // RUN
      endcase
    end
  end
endmodule
