// Pulse to level: a start pulse raises busy, which stays high until a done pulse. A start
// that arrives while busy (and not in the same cycle as done) sets a sticky error flag.
// Written for aigchip (Apache-2.0).
module pulse_to_level (
  input  wire clk,
  input  wire rst,      // synchronous, active high: clears busy and error
  input  wire start,    // one-cycle request
  input  wire done,     // one-cycle completion
  input  wire err_clr,  // clears error (a new error in the same cycle wins)
  output reg  busy,
  output reg  error     // sticky: a start came while busy
);

  // start while busy and not finishing this cycle is a protocol error
  wire overlap = start && busy && !done;

  always @(posedge clk) begin
    if (rst) begin
      busy  <= 1'b0;
      error <= 1'b0;
    end else begin
      busy  <= start || (busy && !done);   // done while idle is ignored
      error <= overlap || (error && !err_clr);
    end
  end

endmodule
