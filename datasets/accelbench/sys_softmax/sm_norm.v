// Output stage of softmax_unit: probability = floor((e * recip + 2^20) / 2^21), registered and held on the
// output stream until it is taken. Written for aigchip AccelBench (Apache-2.0).
module sm_norm (
  input  wire        clk,
  input  wire        rst,
  input  wire        load,
  input  wire        last_in,
  input  wire [15:0] e,
  input  wire [21:0] recip,
  output wire        can_load,
  output reg         out_valid,
  input  wire        out_ready,
  output reg  [15:0] out_data,
  output reg         out_last
);
  wire [37:0] scaled = e * recip + 38'd1048576;

  assign can_load = !out_valid || out_ready;

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
    end else if (can_load) begin
      out_valid <= load;
      out_data  <= scaled[36:21];
      out_last  <= last_in;
    end
  end
endmodule
