// 8-bit to 32-bit valid/ready width converter: packs four byte beats into one word, little
// endian (first byte in bits 7:0), with a byte-enable mask; a byte with s_last closes the
// word early, zero-padded, and marks it m_last. Full input throughput while m_ready is high.
// Written for aigchip AccelBench (Apache-2.0).
module width_conv_8to32 (
  input  wire        clk,
  input  wire        rst,       // synchronous, active high: drops the partial and the held word
  input  wire        s_valid,
  output wire        s_ready,   // = !m_valid || m_ready
  input  wire [7:0]  s_data,
  input  wire        s_last,    // this byte ends a packet
  output wire        m_valid,
  input  wire        m_ready,
  output wire [31:0] m_data,
  output wire [3:0]  m_keep,    // bit i: byte i of m_data holds data
  output wire        m_last     // the word ends a packet
);
  reg [31:0] word;
  reg [3:0]  keep;
  reg [1:0]  cnt;      // bytes already in the word being collected (0 while a word is held)
  reg        full;     // a finished word is held on the output
  reg        last;

  assign s_ready = !full || m_ready;
  wire   take    = s_valid && s_ready;
  wire   closes  = (cnt == 2'd3) || s_last;

  always @(posedge clk) begin
    if (rst) begin
      word <= 32'd0;
      keep <= 4'd0;
      cnt  <= 2'd0;
      full <= 1'b0;
      last <= 1'b0;
    end else begin
      if (full && m_ready)
        full <= 1'b0;
      if (take) begin
        if (cnt == 2'd0) begin                 // a new word: the unused bytes are zero
          word <= {24'd0, s_data};
          keep <= 4'b0001;
        end else begin
          word[8*cnt +: 8] <= s_data;
          keep[cnt]        <= 1'b1;
        end
        if (closes) begin
          full <= 1'b1;
          last <= s_last;
          cnt  <= 2'd0;
        end else begin
          cnt <= cnt + 2'd1;
        end
      end
    end
  end

  assign m_valid = full;
  assign m_data  = word;
  assign m_keep  = keep;
  assign m_last  = last;
endmodule
