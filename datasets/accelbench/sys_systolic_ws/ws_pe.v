// Weight-stationary processing element: holds one int8 weight, passes its activation right and
// its partial sum down, one register stage each.
module ws_pe (
  input  wire               clk,
  input  wire               w_load,   // load w_in as this PE's weight
  input  wire signed [7:0]  w_in,
  input  wire signed [7:0]  a_in,     // activation from the left
  input  wire signed [31:0] p_in,     // partial sum from above
  output reg  signed [7:0]  a_out,    // activation to the right, one cycle later
  output reg  signed [31:0] p_out     // p_in + a_in * weight, one cycle later
);
  reg signed [7:0] w;

  always @(posedge clk) begin
    if (w_load)
      w <= w_in;
    a_out <= a_in;
    p_out <= p_in + a_in * w;
  end
endmodule
