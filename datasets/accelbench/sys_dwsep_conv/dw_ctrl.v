// Job control for dwsep_conv: takes one configuration, then 13 weight words (unless the job keeps the previous
// weights), then the W x H pixels; flags the pixels that complete a 3x3 window (column and row at least 2) and
// the job's final window, and waits for the pipeline to drain before the next configuration.
// Written for aigchip AccelBench (Apache-2.0).
module dw_ctrl (
  input  wire       clk,
  input  wire       rst,
  input  wire       cfg_valid,
  output wire       cfg_ready,
  input  wire [4:0] cfg_width,
  input  wire [5:0] cfg_height,
  input  wire [3:0] cfg_shift1,
  input  wire       cfg_relu,
  input  wire [3:0] cfg_shift2,
  input  wire       cfg_keep,
  input  wire       in_valid,
  output wire       in_ready,
  input  wire       adv,        // the pipeline moves this cycle
  input  wire       pipe_busy,  // a result is still inside the pipeline
  output wire       fire_w,     // a weight word is accepted this cycle
  output wire [3:0] w_index,    // its index: 0..8 depthwise taps, 9..12 pointwise rows
  output wire       fire_px,    // a pixel is accepted this cycle
  output wire [3:0] col,        // its column
  output wire       hit,        // it completes a 3x3 window
  output wire       hit_last,   // it is the job's last pixel
  output reg  [3:0] shift1,
  output reg        relu,
  output reg  [3:0] shift2
);
  localparam IDLE = 2'd0, WEIGHTS = 2'd1, PIXELS = 2'd2, DRAIN = 2'd3;
  localparam LAST_WEIGHT = 4'd12;
  reg [1:0] state;
  reg [4:0] width;
  reg [5:0] height;
  reg [3:0] c;     // column of the next pixel
  reg [5:0] r;     // row of the next pixel
  reg [3:0] widx;  // index of the next weight word

  wire col_end = ({1'b0, c} == width - 5'd1);
  wire row_end = (r == height - 6'd1);

  assign cfg_ready = (state == IDLE);
  assign in_ready  = (state == WEIGHTS) || (state == PIXELS && adv);
  assign fire_w    = in_valid && state == WEIGHTS;
  assign fire_px   = in_valid && in_ready && state == PIXELS;
  assign w_index   = widx;
  assign col       = c;
  assign hit       = (c >= 4'd2) && (r >= 6'd2);
  assign hit_last  = col_end && row_end;

  always @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
    end else begin
      case (state)
        IDLE: if (cfg_valid) begin
          width <= cfg_width; height <= cfg_height;
          shift1 <= cfg_shift1; relu <= cfg_relu; shift2 <= cfg_shift2;
          c <= 4'd0; r <= 6'd0; widx <= 4'd0;
          state <= cfg_keep ? PIXELS : WEIGHTS;
        end
        WEIGHTS: if (fire_w) begin
          widx <= widx + 4'd1;
          if (widx == LAST_WEIGHT) state <= PIXELS;
        end
        PIXELS: if (fire_px) begin
          if (col_end) begin
            c <= 4'd0;
            r <= r + 6'd1;
            if (row_end) state <= DRAIN;
          end else begin
            c <= c + 4'd1;
          end
        end
        default: if (!pipe_busy) state <= IDLE;  // DRAIN
      endcase
    end
  end
endmodule
