// Valid/ready skid buffer: registers the data path and the ready path, so neither valid
// nor ready has a combinational path through it, at full throughput.
// Written for aigchip (Apache-2.0).
module skid_buffer #(
  parameter WIDTH = 8
) (
  input  wire             clk,
  input  wire             rst,      // synchronous, active high: drops everything held
  // upstream (slave) side
  input  wire             s_valid,
  output wire             s_ready,
  input  wire [WIDTH-1:0] s_data,
  // downstream (master) side
  output reg              m_valid,
  input  wire             m_ready,
  output reg  [WIDTH-1:0] m_data
);

  // the skid register catches the word that arrives while the output is stalled
  reg             skid_valid;
  reg [WIDTH-1:0] skid_data;
  assign s_ready = !skid_valid;  // a register output: no path from m_ready

  // the output register may load when it is empty or being read this cycle
  wire out_free = m_ready || !m_valid;

  always @(posedge clk) begin
    if (rst) begin
      m_valid    <= 1'b0;
      skid_valid <= 1'b0;
    end else if (out_free) begin
      if (skid_valid) begin          // drain the skid first, keeps order
        m_data     <= skid_data;
        m_valid    <= 1'b1;
        skid_valid <= 1'b0;
      end else begin                 // pass the input straight to the output register
        m_data  <= s_data;
        m_valid <= s_valid;
      end
    end else if (s_valid && s_ready) begin  // output stalled: park the word in the skid
      skid_data  <= s_data;
      skid_valid <= 1'b1;
    end
  end

endmodule
