// Output stage of rmsnorm_unit: y = clamp(floor((x * gamma * root + 2^21) / 2^22), -128, 127), registered and
// held on the output stream until it is taken. Written for aigchip AccelBench (Apache-2.0).
module rn_scale (
  input  wire              clk,
  input  wire              rst,
  input  wire              load,
  input  wire              last_in,
  input  wire signed [7:0] x,
  input  wire signed [7:0] gamma,
  input  wire       [20:0] root,
  output wire              can_load,
  output reg               out_valid,
  input  wire              out_ready,
  output reg  signed [7:0] out_data,
  output reg               out_last
);
  wire signed [15:0] xg     = x * gamma;
  wire signed [37:0] full   = xg * $signed({1'b0, root}) + 38'sd2097152;
  wire signed [15:0] scaled = full[37:22];
  wire signed [7:0]  y      = (scaled > 16'sd127) ? 8'sd127 : (scaled < -16'sd128) ? -8'sd128 : scaled[7:0];

  assign can_load = !out_valid || out_ready;

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
    end else if (can_load) begin
      out_valid <= load;
      out_data  <= y;
      out_last  <= last_in;
    end
  end
endmodule
