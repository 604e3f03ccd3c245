module int4_pack_unpack (
  input  wire              mode,
  input  wire signed [7:0] a,
  input  wire signed [7:0] b,
  output reg         [7:0] y0,
  output reg         [7:0] y1,
  output reg               sat
);
