// Synchronous first-word-fall-through FIFO: the oldest word is on rd_data whenever the FIFO is
// not empty, and rd_en pops it. Writes while full and reads while empty are ignored.
// DEPTH must be a power of two (>= 2).
// Written for aigchip AccelBench (Apache-2.0).
module sync_fifo_fwft #(
  parameter WIDTH = 8,
  parameter DEPTH = 8
) (
  input  wire                   clk,
  input  wire                   rst,           // synchronous, active high: empties the FIFO
  input  wire                   wr_en,
  input  wire [WIDTH-1:0]       wr_data,
  input  wire                   rd_en,
  output wire [WIDTH-1:0]       rd_data,       // the oldest word (meaningful when !empty)
  output wire                   full,          // count == DEPTH
  output wire                   empty,         // count == 0
  output wire                   almost_full,   // count >= DEPTH - 1
  output wire                   almost_empty,  // count <= 1
  output wire [$clog2(DEPTH):0] count          // words stored, 0..DEPTH
);
  localparam AW = $clog2(DEPTH);

  reg [WIDTH-1:0] mem [0:DEPTH-1];
  reg [AW-1:0]    wr_ptr, rd_ptr;
  reg [AW:0]      used;

  wire do_write = wr_en && (used != DEPTH[AW:0]);
  wire do_read  = rd_en && (used != {(AW+1){1'b0}});

  always @(posedge clk) begin
    if (rst) begin
      wr_ptr <= {AW{1'b0}};
      rd_ptr <= {AW{1'b0}};
      used   <= {(AW+1){1'b0}};
    end else begin
      if (do_write) begin
        mem[wr_ptr] <= wr_data;
        wr_ptr      <= wr_ptr + 1'b1;
      end
      if (do_read)
        rd_ptr <= rd_ptr + 1'b1;
      if (do_write && !do_read)
        used <= used + 1'b1;
      else if (do_read && !do_write)
        used <= used - 1'b1;
    end
  end

  assign rd_data      = mem[rd_ptr];
  assign count        = used;
  assign full         = (used == DEPTH[AW:0]);
  assign empty        = (used == {(AW+1){1'b0}});
  assign almost_full  = (used >= DEPTH[AW:0] - 1'b1);
  assign almost_empty = (used <= {{AW{1'b0}}, 1'b1});
endmodule
