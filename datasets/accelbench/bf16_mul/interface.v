module bf16_mul (
  input  wire [15:0] a,
  input  wire [15:0] b,
  output reg  [15:0] y
);
