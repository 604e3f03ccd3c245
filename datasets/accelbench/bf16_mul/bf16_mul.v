// bfloat16 multiplier, combinational: round to nearest, ties to even; subnormal inputs are
// treated as zero and subnormal results are flushed to zero; infinities and NaN follow IEEE
// 754 except that every NaN result is the canonical quiet NaN 0x7FC0.
// Written for aigchip AccelBench (Apache-2.0).
module bf16_mul (
  input  wire [15:0] a,
  input  wire [15:0] b,
  output reg  [15:0] y
);
  localparam [15:0] QNAN = 16'h7FC0;

  wire       sa = a[15], sb = b[15];
  wire [7:0] ea = a[14:7], eb = b[14:7];
  wire [6:0] ma = a[6:0],  mb = b[6:0];
  wire       s  = sa ^ sb;

  wire zero_a = (ea == 8'd0);                  // zero or subnormal (treated as zero)
  wire zero_b = (eb == 8'd0);
  wire inf_a  = (ea == 8'hFF) && (ma == 7'd0);
  wire inf_b  = (eb == 8'hFF) && (mb == 7'd0);
  wire nan_a  = (ea == 8'hFF) && (ma != 7'd0);
  wire nan_b  = (eb == 8'hFF) && (mb != 7'd0);

  // both operands normal: 8x8 significand product in [2^14, 2^16)
  wire [15:0] prod = {1'b1, ma} * {1'b1, mb};
  wire        top  = prod[15];                  // product >= 2.0: normalise by one place

  reg  [7:0]       kept;                        // 1.xxxxxxx before rounding
  reg              guard, sticky, round_up;
  /* verilator lint_off UNUSEDSIGNAL */       // rounded[7] is the hidden 1
  reg  [8:0]       rounded;                     // kept + round_up, may carry to 2.0
  /* verilator lint_on UNUSEDSIGNAL */
  reg  signed [10:0] exp;                       // biased exponent, unbounded range

  always @(*) begin
    if (top) begin
      kept   = prod[15:8];
      guard  = prod[7];
      sticky = |prod[6:0];
    end else begin
      kept   = prod[14:7];
      guard  = prod[6];
      sticky = |prod[5:0];
    end
    round_up = guard & (sticky | kept[0]);
    rounded  = {1'b0, kept} + {8'd0, round_up};
    exp = $signed({3'b000, ea}) + $signed({3'b000, eb}) - 11'sd127
          + $signed({10'd0, top}) + $signed({10'd0, rounded[8]});

    if (nan_a || nan_b || (inf_a && zero_b) || (inf_b && zero_a))
      y = QNAN;
    else if (inf_a || inf_b)
      y = {s, 8'hFF, 7'd0};
    else if (zero_a || zero_b)
      y = {s, 15'd0};
    else if (exp >= 11'sd255)
      y = {s, 8'hFF, 7'd0};                     // overflow to infinity
    else if (exp <= 11'sd0)
      y = {s, 15'd0};                           // underflow: flush to zero
    else
      y = {s, exp[7:0], rounded[6:0]};          // after a carry rounded = 256: fraction 0
  end
endmodule
