// 2D address generator: walks rows x cols addresses from a base with a column stride and a
// row stride (row-major), one address per accepted cycle, then pulses done.
// Written for aigchip (Apache-2.0).
module addr_gen_2d #(
  parameter AW = 16,  // address width; addresses wrap modulo 2**AW
  parameter CW = 8    // row and column counter width
) (
  input  wire          clk,
  input  wire          rst,         // synchronous, active high: back to idle
  input  wire          start,       // latch the parameters and begin (ignored while busy)
  input  wire [AW-1:0] base,
  input  wire [CW-1:0] rows,        // 0 rows or 0 cols: done at once, no addresses
  input  wire [CW-1:0] cols,
  input  wire [AW-1:0] col_stride,
  input  wire [AW-1:0] row_stride,
  input  wire          ready,       // the consumer takes addr when valid && ready
  output reg  [AW-1:0] addr,        // base + row*row_stride + col*col_stride
  output reg           valid,
  output reg           done         // one-cycle pulse after the last address is taken
);

  // the walk's parameters, latched on start
  reg [CW-1:0] n_rows, n_cols;
  reg [AW-1:0] c_stride, r_stride;

  // position in the walk, and the address of the current row's first element
  reg [CW-1:0] row, col;
  reg [AW-1:0] row_base;
  wire last_col = (col == n_cols - 1'b1);
  wire last_row = (row == n_rows - 1'b1);

  always @(posedge clk) begin
    if (rst) begin
      valid <= 1'b0;
      done  <= 1'b0;
    end else begin
      done <= 1'b0;
      if (!valid && start) begin
        n_rows   <= rows;
        n_cols   <= cols;
        c_stride <= col_stride;
        r_stride <= row_stride;
        row      <= {CW{1'b0}};
        col      <= {CW{1'b0}};
        row_base <= base;
        addr     <= base;
        valid    <= (rows != 0) && (cols != 0);
        done     <= (rows == 0) || (cols == 0);
      end else if (valid && ready) begin
        if (!last_col) begin          // next column of this row
          col  <= col + 1'b1;
          addr <= addr + c_stride;
        end else if (!last_row) begin // first column of the next row
          col      <= {CW{1'b0}};
          row      <= row + 1'b1;
          row_base <= row_base + r_stride;
          addr     <= row_base + r_stride;
        end else begin                // the last address was taken
          valid <= 1'b0;
          done  <= 1'b1;
        end
      end
    end
  end

endmodule
