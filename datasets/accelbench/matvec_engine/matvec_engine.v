// Matrix-vector engine: a 4x4 signed int8 matrix held in registers (written through a simple
// write port) times a captured int8 vector, one matrix column per cycle over four cycles, into
// four signed 32-bit results. Written for aigchip AccelBench (Apache-2.0).
module matvec_engine (
  input  wire               clk,
  input  wire               rst,     // synchronous, active high
  input  wire               w_en,    // write M[w_addr[3:2]][w_addr[1:0]] = w_data (ignored while busy)
  input  wire        [3:0]  w_addr,  // row in [3:2], column in [1:0]
  input  wire signed [7:0]  w_data,
  input  wire               start,   // begin y = M * x (ignored while busy)
  input  wire        [31:0] x,       // element k (signed int8) in x[8*k+7:8*k]
  output reg                busy,
  output reg                done,    // one-cycle pulse when y0..y3 take new results
  output reg  signed [31:0] y0,
  output reg  signed [31:0] y1,
  output reg  signed [31:0] y2,
  output reg  signed [31:0] y3
);
  reg [127:0] mat;   // M[r][c] in mat[8*(4*r+c) +: 8]
  reg [31:0]  xv;    // the vector captured at start
  reg [1:0]   col;   // the column processed this cycle
  reg [127:0] acc;   // running sum of row r in acc[32*r +: 32]

  // this cycle's column: acc[r] + M[r][col] * x[col] for every row
  reg [127:0]       acc_next;
  reg signed [15:0] prod;
  integer r, c;
  always @(*) begin
    c = {30'd0, col};
    for (r = 0; r < 4; r = r + 1) begin
      prod = $signed(mat[8*(4*r+c) +: 8]) * $signed(xv[8*c +: 8]);
      acc_next[32*r +: 32] = acc[32*r +: 32] + {{16{prod[15]}}, prod};
    end
  end

  always @(posedge clk) begin
    if (rst) begin
      mat  <= 128'd0;
      xv   <= 32'd0;
      col  <= 2'd0;
      acc  <= 128'd0;
      busy <= 1'b0;
      done <= 1'b0;
      y0 <= 32'sd0;  y1 <= 32'sd0;  y2 <= 32'sd0;  y3 <= 32'sd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (w_en)
          mat[8*w_addr +: 8] <= w_data;
        if (start) begin
          busy <= 1'b1;
          xv   <= x;
          col  <= 2'd0;
          acc  <= 128'd0;
        end
      end else begin
        acc <= acc_next;
        col <= col + 2'd1;
        if (col == 2'd3) begin
          busy <= 1'b0;
          done <= 1'b1;
          y0 <= acc_next[31:0];
          y1 <= acc_next[63:32];
          y2 <= acc_next[95:64];
          y3 <= acc_next[127:96];
        end
      end
    end
  end
endmodule
