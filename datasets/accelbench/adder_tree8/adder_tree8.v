// Pipelined adder tree: the sum of eight signed 12-bit lanes, three register stages
// (4 pair sums, 2 quad sums, the total), with a valid bit travelling alongside.
// Written for aigchip AccelBench (Apache-2.0).
module adder_tree8 (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high: clears every stage
  input  wire               valid_in,
  input  wire        [95:0] din,        // lane i (signed 12-bit) is din[12*i +: 12]
  output reg                valid_out,  // valid_in delayed by three clock edges
  output reg  signed [14:0] sum         // the total of the lanes sampled three edges earlier
);
  // stage 1: pair sums, 13 bits each
  reg signed [12:0] s1_0, s1_1, s1_2, s1_3;
  reg               v1;
  // stage 2: quad sums, 14 bits each
  reg signed [13:0] s2_0, s2_1;
  reg               v2;

  wire signed [11:0] l0 = din[11:0];
  wire signed [11:0] l1 = din[23:12];
  wire signed [11:0] l2 = din[35:24];
  wire signed [11:0] l3 = din[47:36];
  wire signed [11:0] l4 = din[59:48];
  wire signed [11:0] l5 = din[71:60];
  wire signed [11:0] l6 = din[83:72];
  wire signed [11:0] l7 = din[95:84];

  always @(posedge clk) begin
    if (rst) begin
      s1_0 <= 13'sd0; s1_1 <= 13'sd0; s1_2 <= 13'sd0; s1_3 <= 13'sd0;
      s2_0 <= 14'sd0; s2_1 <= 14'sd0;
      sum  <= 15'sd0;
      v1 <= 1'b0; v2 <= 1'b0; valid_out <= 1'b0;
    end else begin
      s1_0 <= {l0[11], l0} + {l1[11], l1};
      s1_1 <= {l2[11], l2} + {l3[11], l3};
      s1_2 <= {l4[11], l4} + {l5[11], l5};
      s1_3 <= {l6[11], l6} + {l7[11], l7};
      v1   <= valid_in;
      s2_0 <= {s1_0[12], s1_0} + {s1_1[12], s1_1};
      s2_1 <= {s1_2[12], s1_2} + {s1_3[12], s1_3};
      v2   <= v1;
      sum  <= {s2_0[13], s2_0} + {s2_1[13], s2_1};
      valid_out <= v2;
    end
  end
endmodule
