// Tiling address generator: walks a ROWS x COLS row-major matrix tile by tile (tiles of TR x TC,
// tiles in row-major order, edge tiles truncated), emitting each element's address row-major within
// its tile under a valid/next handshake, then pulses done. Written for aigchip AccelBench (Apache-2.0).
module tile_addr_gen #(
  parameter ROWS = 5,   // matrix rows
  parameter COLS = 6,   // matrix columns (address = row * COLS + col)
  parameter TR   = 2,   // tile rows
  parameter TC   = 4,   // tile columns
  parameter AW   = 16   // address and counter width
) (
  input  wire          clk,
  input  wire          rst,       // synchronous, active high
  input  wire          start,     // begin a pass (ignored while valid)
  input  wire          next,      // the consumer takes addr this cycle (when valid)
  output reg           valid,
  output wire [AW-1:0] addr,
  output wire          tile_end,  // addr is the last element of its tile
  output reg           done       // one-cycle pulse after the last address was taken
);
  localparam [AW-1:0] ROWS_A = ROWS[AW-1:0];
  localparam [AW-1:0] COLS_A = COLS[AW-1:0];
  localparam [AW-1:0] TR_A   = TR[AW-1:0];
  localparam [AW-1:0] TC_A   = TC[AW-1:0];
  localparam [AW-1:0] ONE    = {{(AW-1){1'b0}}, 1'b1};

  reg [AW-1:0] tr0, tc0;  // top-left corner of the current tile
  reg [AW-1:0] r, c;      // the current element

  // last row and column of the current tile (truncated at the matrix edge)
  wire [AW-1:0] r_end = (tr0 + TR_A >= ROWS_A) ? ROWS_A - ONE : tr0 + TR_A - ONE;
  wire [AW-1:0] c_end = (tc0 + TC_A >= COLS_A) ? COLS_A - ONE : tc0 + TC_A - ONE;
  wire last_col_tile = (tc0 + TC_A >= COLS_A);
  wire last_row_tile = (tr0 + TR_A >= ROWS_A);

  assign addr     = r * COLS_A + c;
  assign tile_end = (r == r_end) && (c == c_end);

  always @(posedge clk) begin
    if (rst) begin
      valid <= 1'b0;
      done  <= 1'b0;
      tr0 <= {AW{1'b0}};  tc0 <= {AW{1'b0}};
      r   <= {AW{1'b0}};  c   <= {AW{1'b0}};
    end else begin
      done <= 1'b0;
      if (!valid) begin
        if (start) begin
          valid <= 1'b1;
          tr0 <= {AW{1'b0}};  tc0 <= {AW{1'b0}};
          r   <= {AW{1'b0}};  c   <= {AW{1'b0}};
        end
      end else if (next) begin
        if (c != c_end) begin
          c <= c + ONE;                        // next column inside the tile
        end else if (r != r_end) begin
          r <= r + ONE;                        // next row inside the tile
          c <= tc0;
        end else if (!last_col_tile) begin
          tc0 <= tc0 + TC_A;                   // next tile to the right
          r   <= tr0;
          c   <= tc0 + TC_A;
        end else if (!last_row_tile) begin
          tr0 <= tr0 + TR_A;                   // first tile of the next tile row
          tc0 <= {AW{1'b0}};
          r   <= tr0 + TR_A;
          c   <= {AW{1'b0}};
        end else begin
          valid <= 1'b0;                       // that was the last address
          done  <= 1'b1;
        end
      end
    end
  end
endmodule
