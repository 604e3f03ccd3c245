// exp(-delta / 16) in Q1.15 for delta = 0..255: exp(-q) * exp(-r / 16) with q = delta[7:4], r = delta[3:0], each
// factor from a table of round(32768 * value), the product rounded back to Q1.15 (half up).
// Written for aigchip AccelBench (Apache-2.0).
module sm_exp (
  input  wire [7:0]  delta,
  output wire [15:0] e
);
  reg [15:0] whole;  // round(32768 * exp(-q))
  reg [15:0] frac;   // round(32768 * exp(-r / 16))

  always @(*) begin
    case (delta[7:4])
      4'd0:    whole = 16'd32768;
      4'd1:    whole = 16'd12055;
      4'd2:    whole = 16'd4435;
      4'd3:    whole = 16'd1631;
      4'd4:    whole = 16'd600;
      4'd5:    whole = 16'd221;
      4'd6:    whole = 16'd81;
      4'd7:    whole = 16'd30;
      4'd8:    whole = 16'd11;
      4'd9:    whole = 16'd4;
      4'd10:   whole = 16'd1;
      4'd11:   whole = 16'd1;
      default: whole = 16'd0;
    endcase
    case (delta[3:0])
      4'd0:    frac = 16'd32768;
      4'd1:    frac = 16'd30783;
      4'd2:    frac = 16'd28918;
      4'd3:    frac = 16'd27166;
      4'd4:    frac = 16'd25520;
      4'd5:    frac = 16'd23974;
      4'd6:    frac = 16'd22521;
      4'd7:    frac = 16'd21157;
      4'd8:    frac = 16'd19875;
      4'd9:    frac = 16'd18671;
      4'd10:   frac = 16'd17539;
      4'd11:   frac = 16'd16477;
      4'd12:   frac = 16'd15479;
      4'd13:   frac = 16'd14541;
      4'd14:   frac = 16'd13660;
      default: frac = 16'd12832;
    endcase
  end

  wire [31:0] product = whole * frac + 32'd16384;
  assign e = product[30:15];
endmodule
