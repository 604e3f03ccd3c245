// 8-bit barrel shifter/rotator: three mux stages shifting by 1, 2 and 4 (combinational).
// Written for aigchip (Apache-2.0).
module barrel_rotate8 (
  input  wire [7:0] data,
  input  wire [2:0] amt,   // shift or rotate distance, 0..7
  input  wire [1:0] op,    // 0: shift left logical, 1: shift right logical,
                           // 2: shift right arithmetic, 3: rotate left
  output wire [7:0] y
);

  localparam [1:0] SLL = 2'd0, SRL = 2'd1, SRA = 2'd2, ROL = 2'd3;

  // one stage: move x by k (k is 0, 1, 2 or 4) the way op says
  function [7:0] stage(input [7:0] x, input [1:0] how, input [2:0] k);
    case (how)
      SLL:     stage = x << k;
      SRL:     stage = x >> k;
      SRA:     stage = $signed(x) >>> k;
      ROL:     stage = (x << k) | (x >> (4'd8 - {1'b0, k}));
    endcase
  endfunction

  wire [7:0] s1 = stage(data, op, {2'b00, amt[0]});
  wire [7:0] s2 = stage(s1, op, {1'b0, amt[1], 1'b0});
  assign y      = stage(s2, op, {amt[2], 2'b00});

endmodule
