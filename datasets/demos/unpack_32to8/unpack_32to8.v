// Width converter 32 -> 8 on valid/ready streams: each accepted 32-bit word leaves as four
// byte beats, least significant byte first (little-endian).
// Written for aigchip (Apache-2.0).
module unpack_32to8 (
  input  wire        clk,
  input  wire        rst,      // synchronous, active high: drops the word held
  // upstream: 32-bit words
  input  wire        s_valid,
  output wire        s_ready,
  input  wire [31:0] s_data,
  // downstream: bytes
  output wire        m_valid,
  input  wire        m_ready,
  output wire [7:0]  m_data
);

  reg [31:0] word;   // the word being unpacked
  reg [1:0]  idx;    // which byte of it goes out next
  reg        full;   // a word is held

  wire last_beat = m_valid && m_ready && (idx == 2'd3);
  assign m_valid = full;
  assign m_data  = word[8*idx +: 8];
  // take a new word when empty, or in the cycle the last byte of the held word leaves
  assign s_ready = !full || last_beat;

  always @(posedge clk) begin
    if (rst) begin
      full <= 1'b0;
      idx  <= 2'd0;
    end else if (s_valid && s_ready) begin  // load a new word, start at byte 0
      word <= s_data;
      full <= 1'b1;
      idx  <= 2'd0;
    end else if (m_valid && m_ready) begin  // a byte left: step, empty after byte 3
      idx <= idx + 2'd1;
      if (idx == 2'd3) full <= 1'b0;
    end
  end

endmodule
