// Leading-zero counter for a 16-bit word (combinational priority encoder).
// Written for aigchip (Apache-2.0).
module lzc16 (
  input  wire [15:0] data,
  output reg  [4:0]  count,  // zeros above the highest set bit: 0..15, or 16 when data is 0
  output wire        valid   // data has at least one set bit
);

  assign valid = |data;

  // scan from bit 0 upwards; the last (highest) set bit found decides the count
  integer i;
  always @* begin
    count = 5'd16;
    for (i = 0; i < 16; i = i + 1)
      if (data[i]) count = 5'd15 - i[4:0];
  end

endmodule
