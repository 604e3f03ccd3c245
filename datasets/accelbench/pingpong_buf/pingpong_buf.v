// Ping-pong (double) buffer of two N-word banks: the writer fills one bank while the reader
// drains the other; when the write bank is full and the read bank is drained the banks swap.
// Written for aigchip AccelBench (Apache-2.0).
module pingpong_buf #(
  parameter WIDTH = 8,
  parameter N     = 8    // words per bank, >= 2
) (
  input  wire             clk,
  input  wire             rst,        // synchronous, active high: both banks empty, bank 0 written
  input  wire             wr_valid,
  output wire             wr_ready,   // the write bank has room
  input  wire [WIDTH-1:0] wr_data,
  output wire             rd_valid,   // the read bank has unread words
  input  wire             rd_ready,
  output wire [WIDTH-1:0] rd_data,    // the next unread word of the read bank
  output wire             bank        // the bank being written (the other one is read)
);
  localparam CW = $clog2(N + 1);      // counts 0..N

  reg [WIDTH-1:0] mem [0:2*N-1];      // bank b holds words b*N .. b*N+N-1
  reg             wbank;
  reg [CW-1:0]    wcnt;               // words written into the write bank
  reg [CW-1:0]    ridx;               // next word to read from the read bank
  reg             rfull;              // the read bank holds a block not yet fully read

  assign wr_ready = (wcnt != N[CW-1:0]);
  assign rd_valid = rfull;
  assign rd_data  = mem[(wbank ? 0 : N) + ridx];
  assign bank     = wbank;

  wire swap = !wr_ready && !rd_valid;  // write bank full, read bank drained

  always @(posedge clk) begin
    if (rst) begin
      wbank <= 1'b0;
      wcnt  <= {CW{1'b0}};
      ridx  <= {CW{1'b0}};
      rfull <= 1'b0;
    end else if (swap) begin
      wbank <= !wbank;
      wcnt  <= {CW{1'b0}};
      ridx  <= {CW{1'b0}};
      rfull <= 1'b1;
    end else begin
      if (wr_valid && wr_ready) begin
        mem[(wbank ? N : 0) + wcnt] <= wr_data;
        wcnt <= wcnt + 1'b1;
      end
      if (rd_valid && rd_ready) begin
        if (ridx == N[CW-1:0] - 1'b1) begin
          ridx  <= {CW{1'b0}};
          rfull <= 1'b0;
        end else begin
          ridx <= ridx + 1'b1;
        end
      end
    end
  end
endmodule
