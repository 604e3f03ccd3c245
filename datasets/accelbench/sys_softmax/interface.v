module softmax_unit (
  input  wire              clk,
  input  wire              rst,       // synchronous, active high
  input  wire              in_valid,
  output wire              in_ready,
  input  wire signed [7:0] in_data,   // logit, Q3.4 (value / 16)
  input  wire              in_last,   // last logit of the vector
  output wire              out_valid,
  input  wire              out_ready,
  output wire       [15:0] out_data,  // probability, Q0.15 (32768 = 1.0)
  output wire              out_last
);
