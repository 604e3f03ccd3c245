// 8-bit sign-magnitude <-> two's complement converter, both directions (combinational).
// Written for aigchip (Apache-2.0).
module sm_to_twos8 (
  input  wire [7:0] din,
  input  wire       dir,       // 0: din is sign-magnitude, dout two's complement
                               // 1: din is two's complement, dout sign-magnitude
  output reg  [7:0] dout,
  output wire       neg_zero,  // dir 0 and din is -0 (8'h80): dout is 0
  output wire       ovf        // dir 1 and din is -128: no sign-magnitude form, dout is -127 (8'hFF)
);

  wire       sign = din[7];
  wire [6:0] low  = din[6:0];
  wire [6:0] neg_low = ~low + 7'd1;  // low 7 bits of -din

  assign neg_zero = ~dir & (din == 8'h80);
  assign ovf      =  dir & (din == 8'h80);

  always @* begin
    if (!dir) begin
      // sign-magnitude to two's complement: negate the magnitude when the sign is set
      dout = sign ? (~{1'b0, low} + 8'd1) : {1'b0, low};
    end else if (ovf) begin
      dout = 8'hFF;
    end else begin
      // two's complement to sign-magnitude: keep the sign, take the absolute value
      dout = sign ? {1'b1, neg_low} : din;
    end
  end

endmodule
