// Control/status register block for an accelerator: CTRL and CFG (read/write), STATUS (read-only,
// from an input) and INTR (sticky interrupt flags, write 1 to clear) on a simple single-cycle bus.
// Written for aigchip AccelBench (Apache-2.0).
module csr_block (
  input  wire        clk,
  input  wire        rst,        // synchronous, active high
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [3:0]  addr,       // byte address: register = addr[3:2], addr[1:0] ignored
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire [31:0] wdata,
  input  wire        we,
  input  wire        re,
  output reg  [31:0] rdata,      // read data, registered; holds between reads
  output reg         ready,      // one cycle after each access
  input  wire [31:0] status_in,  // STATUS register contents
  input  wire [7:0]  irq_set,    // per-bit interrupt set pulses
  output reg  [31:0] ctrl,       // CTRL register; bits [7:0] enable the interrupts
  output reg  [31:0] cfg,        // CFG register
  output wire        irq         // some enabled interrupt is pending
);
  localparam [1:0] A_CTRL = 2'd0, A_CFG = 2'd1, A_STATUS = 2'd2, A_INTR = 2'd3;
  localparam [31:0] CFG_RESET = 32'h0004_0010;

  reg [7:0] intr;  // pending interrupt flags

  wire [1:0] sel = addr[3:2];
  assign irq = |(intr & ctrl[7:0]);

  reg [31:0] read_value;
  always @(*) begin
    case (sel)
      A_CTRL:   read_value = ctrl;
      A_CFG:    read_value = cfg;
      A_STATUS: read_value = status_in;
      default:  read_value = {24'd0, intr};
    endcase
  end

  wire [7:0] clear_bits = (we && sel == A_INTR) ? wdata[7:0] : 8'd0;

  always @(posedge clk) begin
    if (rst) begin
      ctrl  <= 32'd0;
      cfg   <= CFG_RESET;
      intr  <= 8'd0;
      rdata <= 32'd0;
      ready <= 1'b0;
    end else begin
      ready <= we | re;
      if (re)
        rdata <= read_value;          // the value before any write on this edge
      if (we && sel == A_CTRL)
        ctrl <= wdata;
      if (we && sel == A_CFG)
        cfg <= wdata;
      intr <= (intr & ~clear_bits) | irq_set;  // a new event wins over a clear of the same bit
    end
  end
endmodule
