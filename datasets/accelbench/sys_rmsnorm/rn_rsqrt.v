// Reciprocal square root of rmsnorm_unit: root = the largest r with r^2 * (SS + N) <= N * 2^40, that is
// floor(2^20 / sqrt(SS/N + 1)), decided one bit per cycle from bit 20 down (21 cycles). With v = SS + N and
// the bits above b already chosen in r: p = r^2 v, a = r v 2^(b+1), c = v 4^b, and setting bit b makes
// p + a + c; adds and shifts only. Written for aigchip AccelBench (Apache-2.0).
module rn_rsqrt (
  input  wire        clk,
  input  wire        rst,
  input  wire        start,
  input  wire [20:0] sumsq,  // SS
  input  wire [6:0]  count,  // N, 1..64
  output reg         busy,
  output reg  [20:0] root
);
  reg [46:0] limit;  // N * 2^40
  reg [46:0] p;
  reg [47:0] a;
  reg [60:0] c;
  reg [4:0]  step;

  wire [61:0] trial = p + a + c;
  wire        take  = (trial <= {15'd0, limit});

  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
    end else if (start) begin
      busy  <= 1'b1;
      limit <= {count, 40'd0};
      p     <= 47'd0;
      a     <= 48'd0;
      c     <= {sumsq + {14'd0, count}, 40'd0};
      step  <= 5'd20;
    end else if (busy) begin
      if (take) begin
        p <= trial[46:0];
        a <= (a >> 1) + c[47:0];
      end else begin
        a <= a >> 1;
      end
      c    <= c >> 2;
      root <= {root[19:0], take};
      step <= step - 5'd1;
      if (step == 5'd0) busy <= 1'b0;
    end
  end
endmodule
