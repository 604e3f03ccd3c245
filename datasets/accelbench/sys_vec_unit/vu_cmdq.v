// Command FIFO of vec_unit: four 32-bit entries, valid/ready in, the head always visible, popped by the
// sequencer. Written for aigchip AccelBench (Apache-2.0).
module vu_cmdq (
  input  wire        clk,
  input  wire        rst,
  input  wire        in_valid,
  output wire        in_ready,
  input  wire [31:0] in_data,
  output wire        out_valid,
  output wire [31:0] out_data,
  input  wire        pop
);
  reg [31:0] slots [0:3];
  reg [1:0]  head, tail;
  reg [2:0]  count;

  wire push = in_valid && in_ready;
  wire take = pop && out_valid;

  assign in_ready  = (count != 3'd4);
  assign out_valid = (count != 3'd0);
  assign out_data  = slots[head];

  always @(posedge clk) begin
    if (push) slots[tail] <= in_data;
    if (rst) begin
      head  <= 2'd0;
      tail  <= 2'd0;
      count <= 3'd0;
    end else begin
      if (push) tail <= tail + 2'd1;
      if (take) head <= head + 2'd1;
      count <= count + {2'd0, push} - {2'd0, take};
    end
  end
endmodule
