// Synchronous FIFO, parameterised width and depth, first-word fall-through, full/empty flags.
// Written for aigchip (Apache-2.0).
module sync_fifo #(
  parameter WIDTH = 8,
  parameter DEPTH = 8,               // a power of two, at least 2
  parameter AW    = $clog2(DEPTH)
) (
  input  wire             clk,
  input  wire             rst,       // synchronous, active high: empties the FIFO
  input  wire             wr_en,     // push wr_data; ignored when full
  input  wire [WIDTH-1:0] wr_data,
  input  wire             rd_en,     // pop the head; ignored when empty
  output wire [WIDTH-1:0] rd_data,   // the head of the FIFO while not empty
  output wire             full,
  output wire             empty,
  output wire [AW:0]      count      // entries stored, 0..DEPTH
);

  reg [WIDTH-1:0] mem [0:DEPTH-1];

  // pointers carry one extra wrap bit so full and empty can be told apart
  reg [AW:0] wr_ptr, rd_ptr;
  assign count = wr_ptr - rd_ptr;
  assign empty = (wr_ptr == rd_ptr);
  assign full  = (wr_ptr[AW] != rd_ptr[AW]) && (wr_ptr[AW-1:0] == rd_ptr[AW-1:0]);
  assign rd_data = mem[rd_ptr[AW-1:0]];

  // a push or pop happens only when the flags before the edge allow it
  wire do_write = wr_en && !full;
  wire do_read  = rd_en && !empty;

  always @(posedge clk) begin
    if (do_write) mem[wr_ptr[AW-1:0]] <= wr_data;
  end

  always @(posedge clk) begin
    if (rst) begin
      wr_ptr <= {(AW+1){1'b0}};
      rd_ptr <= {(AW+1){1'b0}};
    end else begin
      if (do_write) wr_ptr <= wr_ptr + 1'b1;
      if (do_read)  rd_ptr <= rd_ptr + 1'b1;
    end
  end

endmodule
