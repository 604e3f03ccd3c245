// Argmax over eight signed int16 values (the lowest index wins ties): a combinational
// compare-select tree, then one output register stage. Written for aigchip AccelBench (Apache-2.0).
module argmax8 (
  input  wire               clk,
  input  wire               rst,       // synchronous, active high
  input  wire               in_valid,
  input  wire [127:0]       x,         // element i (signed int16) in x[16*i +: 16]
  output reg                out_valid,
  output reg         [2:0]  idx,
  output reg  signed [15:0] max_val
);
  // compare-select: keep the left (lower-index) operand unless the right one is strictly larger
  function [18:0] pick;  // {index, value}
    input [18:0] l;
    input [18:0] r;
    begin
      pick = ($signed(r[15:0]) > $signed(l[15:0])) ? r : l;
    end
  endfunction

  wire [18:0] e0 = {3'd0, x[15:0]};
  wire [18:0] e1 = {3'd1, x[31:16]};
  wire [18:0] e2 = {3'd2, x[47:32]};
  wire [18:0] e3 = {3'd3, x[63:48]};
  wire [18:0] e4 = {3'd4, x[79:64]};
  wire [18:0] e5 = {3'd5, x[95:80]};
  wire [18:0] e6 = {3'd6, x[111:96]};
  wire [18:0] e7 = {3'd7, x[127:112]};

  wire [18:0] l1a = pick(e0, e1);
  wire [18:0] l1b = pick(e2, e3);
  wire [18:0] l1c = pick(e4, e5);
  wire [18:0] l1d = pick(e6, e7);
  wire [18:0] l2a = pick(l1a, l1b);
  wire [18:0] l2b = pick(l1c, l1d);
  wire [18:0] win = pick(l2a, l2b);

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
      idx       <= 3'd0;
      max_val   <= 16'sd0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin
        idx     <= win[18:16];
        max_val <= win[15:0];
      end
    end
  end
endmodule
