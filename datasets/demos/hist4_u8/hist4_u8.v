// Four-bin histogram of a uint8 stream: each valid sample increments the counter of the bin
// chosen by its top two bits (0-63, 64-127, 128-191, 192-255). Synchronous clear.
// Written for aigchip (Apache-2.0).
module hist4_u8 (
  input  wire        clk,
  input  wire        rst,        // synchronous, active high: zeroes all bins
  input  wire        clear,      // synchronous: zeroes all bins, drops this cycle's sample
  input  wire        in_valid,
  input  wire [7:0]  in_data,    // uint8 sample
  output reg  [15:0] cnt0,       // samples 0..63
  output reg  [15:0] cnt1,       // samples 64..127
  output reg  [15:0] cnt2,       // samples 128..191
  output reg  [15:0] cnt3        // samples 192..255
);

  wire [1:0] bin = in_data[7:6];  // the top two bits pick the bin
  wire unused_low = &{1'b0, in_data[5:0]};  // the low bits do not matter (marks them used for lint)

  always @(posedge clk) begin
    if (rst || clear) begin
      cnt0 <= 16'd0;
      cnt1 <= 16'd0;
      cnt2 <= 16'd0;
      cnt3 <= 16'd0;
    end else if (in_valid) begin
      case (bin)  // counters wrap modulo 2^16
        2'd0:    cnt0 <= cnt0 + 16'd1;
        2'd1:    cnt1 <= cnt1 + 16'd1;
        2'd2:    cnt2 <= cnt2 + 16'd1;
        default: cnt3 <= cnt3 + 16'd1;
      endcase
    end
  end

endmodule
