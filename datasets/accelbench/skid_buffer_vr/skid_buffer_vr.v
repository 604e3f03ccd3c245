// Valid/ready skid buffer (a fully registered pipeline stage): two word registers, an output
// register and a skid register, so that s_ready, m_valid and m_data all come straight from
// flip-flops while one word per cycle can still pass.
// Written for aigchip AccelBench (Apache-2.0).
module skid_buffer_vr #(
  parameter WIDTH = 16
) (
  input  wire             clk,
  input  wire             rst,      // synchronous, active high: both registers empty
  input  wire             s_valid,
  output wire             s_ready,  // = skid register empty
  input  wire [WIDTH-1:0] s_data,
  output wire             m_valid,  // = output register full
  input  wire             m_ready,
  output wire [WIDTH-1:0] m_data
);
  reg             out_valid, skid_valid, ready_q;
  reg [WIDTH-1:0] out_data,  skid_data;

  wire take     = s_valid && ready_q;        // an input word is accepted on this edge
  wire out_free = m_ready || !out_valid;     // the output register may load on this edge

  always @(posedge clk) begin
    if (rst) begin
      out_valid  <= 1'b0;
      skid_valid <= 1'b0;
      ready_q    <= 1'b1;
      out_data   <= {WIDTH{1'b0}};
      skid_data  <= {WIDTH{1'b0}};
    end else if (out_free) begin
      if (skid_valid) begin                  // the parked word goes first (no input can arrive now)
        out_data   <= skid_data;
        out_valid  <= 1'b1;
        skid_valid <= 1'b0;
        ready_q    <= 1'b1;
      end else begin                         // straight through to the output register
        out_valid <= take;
        if (take) out_data <= s_data;
      end
    end else if (take) begin                 // output stalled: park the word, stop the source
      skid_data  <= s_data;
      skid_valid <= 1'b1;
      ready_q    <= 1'b0;
    end
  end

  assign s_ready = ready_q;
  assign m_valid = out_valid;
  assign m_data  = out_data;
endmodule
