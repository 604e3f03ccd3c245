// Stream fork: broadcasts one valid/ready stream to two consumers. Each beat is offered
// to both; a consumer that has taken it is not offered it again, and the upstream beat
// is retired only once both have taken it.
// Written for aigchip (Apache-2.0).
module stream_fork2 #(
  parameter WIDTH = 8
) (
  input  wire             clk,
  input  wire             rst,      // synchronous, active high: forgets who has taken the beat
  input  wire             s_valid,
  output wire             s_ready,
  input  wire [WIDTH-1:0] s_data,
  output wire             m0_valid,
  input  wire             m0_ready,
  output wire [WIDTH-1:0] m0_data,
  output wire             m1_valid,
  input  wire             m1_ready,
  output wire [WIDTH-1:0] m1_data
);

  reg taken0, taken1;  // this beat was already delivered to consumer 0 / 1

  assign m0_valid = s_valid && !taken0;
  assign m1_valid = s_valid && !taken1;
  assign m0_data  = s_data;
  assign m1_data  = s_data;
  // retire the beat when each consumer has it: earlier, or in this cycle
  assign s_ready = (taken0 || m0_ready) && (taken1 || m1_ready);

  always @(posedge clk) begin
    if (rst) begin
      taken0 <= 1'b0;
      taken1 <= 1'b0;
    end else if (s_valid && s_ready) begin  // beat retired: next beat is new to both
      taken0 <= 1'b0;
      taken1 <= 1'b0;
    end else begin                          // remember partial deliveries
      if (m0_valid && m0_ready) taken0 <= 1'b1;
      if (m1_valid && m1_ready) taken1 <= 1'b1;
    end
  end

endmodule
