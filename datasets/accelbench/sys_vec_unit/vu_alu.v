// Lane ALU of vec_unit (combinational): saturating add and sub, mul and mac with a rounding right shift
// (floor((a*b + 2^(shift-1)) / 2^shift), no rounding term for shift 0), relu, max and splat; every result is
// saturated to int16. Written for aigchip AccelBench (Apache-2.0).
module vu_alu (
  input  wire        [3:0]  op,
  input  wire signed [15:0] a,
  input  wire signed [15:0] b,
  input  wire signed [15:0] d,      // the destination lane's old value (mac)
  input  wire        [3:0]  shift,
  input  wire        [15:0] imm,
  output reg  signed [15:0] y
);
  localparam ADD = 4'd3, SUB = 4'd4, MUL = 4'd5, MAC = 4'd6, RELU = 4'd7, SPLAT = 4'd8, MAX = 4'd9;

  wire signed [31:0] product = a * b;
  wire signed [32:0] half    = (shift == 4'd0) ? 33'sd0 : (33'sd1 <<< (shift - 4'd1));
  wire signed [32:0] scaled  = ($signed({product[31], product}) + half) >>> shift;
  wire signed [33:0] sum     = $signed({a[15], a[15], a}) + $signed({b[15], b[15], b});
  wire signed [33:0] diff    = $signed({a[15], a[15], a}) - $signed({b[15], b[15], b});
  wire signed [33:0] acc     = $signed({scaled[32], scaled}) + $signed({{18{d[15]}}, d});
  wire signed [16:0] order   = $signed({a[15], a}) - $signed({b[15], b});  // negative when a < b

  reg signed [33:0] wide;
  always @(*) begin
    case (op)
      ADD:     wide = sum;
      SUB:     wide = diff;
      MUL:     wide = $signed({scaled[32], scaled});
      MAC:     wide = acc;
      RELU:    wide = a[15] ? 34'sd0 : $signed({{18{1'b0}}, a});
      SPLAT:   wide = $signed({{18{imm[15]}}, imm});
      MAX:     wide = order[16] ? $signed({{18{b[15]}}, b}) : $signed({{18{a[15]}}, a});
      default: wide = 34'sd0;
    endcase
    if (wide > 34'sd32767)
      y = 16'sh7fff;
    else if (wide < -34'sd32768)
      y = 16'sh8000;
    else
      y = wide[15:0];
  end
endmodule
