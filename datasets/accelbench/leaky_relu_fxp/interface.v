module leaky_relu_fxp (
  input  wire signed [15:0] x,
  input  wire        [2:0]  k,
  output wire signed [15:0] y
);
