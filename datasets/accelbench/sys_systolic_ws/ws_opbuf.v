// Double-buffered operand memory. The write side fills one bank with a tile's operands (4 weight
// words, then M activation words) while the read side works on the other; a bank is handed over
// when it is full and handed back by `free_bank`. Reads are synchronous (data one cycle after rd_addr).
module ws_opbuf (
  input  wire        clk,
  input  wire        rst,
  input  wire        start,       // a job begins: expect `tiles` tiles of `tile_words` words each
  input  wire [5:0]  tile_words,  // 4 + M, at most 36
  input  wire [4:0]  tiles,       // KT * NT, at most 16
  input  wire        wr_valid,
  output wire        wr_ready,
  input  wire [31:0] wr_data,
  input  wire        rd_bank,
  input  wire [5:0]  rd_addr,
  output reg  [31:0] rd_data,
  input  wire        free_bank,     // the reader is done with bank rd_bank
  output wire [1:0]  full         // which banks hold a whole tile
);
  reg [31:0] bank0 [0:35];
  reg [31:0] bank1 [0:35];
  reg [1:0]  full_r;
  reg        fill_bank;
  reg [5:0]  fill_count;
  reg [4:0]  tiles_left;
  reg [5:0]  words;

  assign full = full_r;
  assign wr_ready = (tiles_left != 5'd0) && !full_r[fill_bank];
  wire accept = wr_valid && wr_ready;
  wire tile_done = accept && (fill_count == words - 6'd1);

  always @(posedge clk) begin
    if (accept) begin
      if (fill_bank)
        bank1[fill_count] <= wr_data;
      else
        bank0[fill_count] <= wr_data;
    end
    rd_data <= rd_bank ? bank1[rd_addr] : bank0[rd_addr];
  end

  always @(posedge clk) begin
    if (rst) begin
      full_r <= 2'b00;
      fill_bank <= 1'b0;
      fill_count <= 6'd0;
      tiles_left <= 5'd0;
      words <= 6'd0;
    end else begin
      if (start) begin
        tiles_left <= tiles;
        words <= tile_words;
        fill_bank <= 1'b0;
        fill_count <= 6'd0;
      end else if (accept) begin
        fill_count <= tile_done ? 6'd0 : fill_count + 6'd1;
        if (tile_done) begin
          fill_bank <= ~fill_bank;
          tiles_left <= tiles_left - 5'd1;
        end
      end
      if (free_bank)
        full_r[rd_bank] <= 1'b0;
      if (tile_done)
        full_r[fill_bank] <= 1'b1;
    end
  end
endmodule
