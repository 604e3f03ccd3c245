// Two-stage valid/ready pipeline register: two chained register stages, each of which
// loads when it is empty or when the stage after it takes its word, so a word moves
// every cycle (full throughput, two cycles of latency).
// Written for aigchip (Apache-2.0).
module pipe_reg2 #(
  parameter WIDTH = 16
) (
  input  wire             clk,
  input  wire             rst,      // synchronous, active high: empties both stages
  input  wire             s_valid,
  output wire             s_ready,
  input  wire [WIDTH-1:0] s_data,
  output wire             m_valid,
  input  wire             m_ready,
  output wire [WIDTH-1:0] m_data
);

  reg             v0, v1;   // stage valid bits
  reg [WIDTH-1:0] d0, d1;   // stage data

  // a stage can load when it is empty or its word is taken this cycle
  wire load1 = !v1 || m_ready;
  wire load0 = !v0 || load1;
  assign s_ready = load0;
  assign m_valid = v1;
  assign m_data  = d1;

  always @(posedge clk) begin
    if (rst) begin
      v0 <= 1'b0;
      v1 <= 1'b0;
    end else begin
      if (load1) begin      // stage 1 takes stage 0's word (or a bubble)
        v1 <= v0;
        d1 <= d0;
      end
      if (load0) begin      // stage 0 takes the upstream word (or a bubble)
        v0 <= s_valid;
        d0 <= s_data;
      end
    end
  end

endmodule
