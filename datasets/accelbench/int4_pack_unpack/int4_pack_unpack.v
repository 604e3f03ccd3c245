// int4 <-> int8 converter, combinational. mode 0 packs two int8 values, each saturated to the
// int4 range [-8, 7], into one byte (a in the low nibble); mode 1 unpacks the two nibbles of a
// into two sign-extended int8 values.
// Written for aigchip AccelBench (Apache-2.0).
module int4_pack_unpack (
  input  wire              mode,  // 0: pack, 1: unpack
  input  wire signed [7:0] a,
  input  wire signed [7:0] b,     // used by pack only
  output reg         [7:0] y0,    // pack: {int4(b), int4(a)}; unpack: sext(a[3:0])
  output reg         [7:0] y1,    // pack: 0;                  unpack: sext(a[7:4])
  output reg               sat    // pack: a or b was outside [-8, 7]; unpack: 0
);
  function [3:0] to_int4(input signed [7:0] v);
    if (v > 8'sd7)
      to_int4 = 4'b0111;
    else if (v < -8'sd8)
      to_int4 = 4'b1000;
    else
      to_int4 = v[3:0];
  endfunction

  wire a_out = (a > 8'sd7) || (a < -8'sd8);
  wire b_out = (b > 8'sd7) || (b < -8'sd8);

  always @(*) begin
    if (mode) begin
      y0  = {{4{a[3]}}, a[3:0]};
      y1  = {{4{a[7]}}, a[7:4]};
      sat = 1'b0;
    end else begin
      y0  = {to_int4(b), to_int4(a)};
      y1  = 8'd0;
      sat = a_out | b_out;
    end
  end
endmodule
