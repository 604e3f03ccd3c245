// CRC-8 over a byte stream, polynomial x^8 + x^2 + x + 1 (0x07), MSB first, init 0, no final XOR.
// Written for aigchip (Apache-2.0).
module crc8_atm (
  input  wire       clk,
  input  wire       rst,    // synchronous, active high: crc <= 0
  input  wire       clear,  // start a new message (with valid: crc of this byte alone)
  input  wire       valid,  // data is a message byte on this edge
  input  wire [7:0] data,
  output reg  [7:0] crc     // CRC of the bytes since the last clear or reset
);

  // one byte, eight bit steps: shift left, XOR the polynomial when the bit leaving differs from data
  function [7:0] crc_byte(input [7:0] c, input [7:0] d);
    integer k;
    reg [7:0] r;
    begin
      r = c;
      for (k = 7; k >= 0; k = k - 1)
        r = (r[7] ^ d[k]) ? ((r << 1) ^ 8'h07) : (r << 1);
      crc_byte = r;
    end
  endfunction

  wire [7:0] base = clear ? 8'd0 : crc;

  always @(posedge clk) begin
    if (rst)
      crc <= 8'd0;
    else if (valid)
      crc <= crc_byte(base, data);
    else if (clear)
      crc <= 8'd0;
  end

endmodule
