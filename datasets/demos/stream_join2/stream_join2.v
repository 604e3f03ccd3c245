// Stream join: combines two valid/ready streams into one registered output stream whose
// beats carry one word from each input. A word is taken from an input only together with
// a word from the other, so the two streams stay paired.
// Written for aigchip (Apache-2.0).
module stream_join2 #(
  parameter WIDTH = 8
) (
  input  wire               clk,
  input  wire               rst,      // synchronous, active high: drops the output beat
  input  wire               a_valid,
  output wire               a_ready,
  input  wire [WIDTH-1:0]   a_data,
  input  wire               b_valid,
  output wire               b_ready,
  input  wire [WIDTH-1:0]   b_data,
  output reg                m_valid,
  input  wire               m_ready,
  output reg  [2*WIDTH-1:0] m_data    // {b_data, a_data}
);

  // the output register can load when it is empty or being read
  wire out_free = !m_valid || m_ready;
  // an input is accepted only when the other input has a word too
  assign a_ready = out_free && b_valid;
  assign b_ready = out_free && a_valid;

  always @(posedge clk) begin
    if (rst) begin
      m_valid <= 1'b0;
    end else if (out_free) begin
      m_valid <= a_valid && b_valid;
      m_data  <= {b_data, a_data};
    end
  end

endmodule
