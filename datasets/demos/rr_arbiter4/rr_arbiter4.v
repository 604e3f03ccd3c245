// 4-requester round-robin arbiter: one-hot grant, priority rotates past the last winner.
// Written for aigchip (Apache-2.0).
module rr_arbiter4 (
  input  wire       clk,
  input  wire       rst,       // synchronous, active high: requester 0 has top priority
  input  wire [3:0] req,
  output reg  [3:0] grant,     // one-hot, combinational from req and the priority pointer
  output reg  [1:0] grant_id,  // index of the granted requester (0 when none)
  output wire       any        // some requester is granted this cycle
);

  reg [1:0] ptr;  // the requester with top priority this cycle

  assign any = |req;

  // search ptr, ptr+1, ptr+2, ptr+3 (mod 4) and grant the first requester found
  integer k;
  reg [1:0] idx;
  reg found;
  always @* begin
    grant    = 4'b0000;
    grant_id = 2'd0;
    found    = 1'b0;
    for (k = 0; k < 4; k = k + 1) begin
      idx = ptr + k[1:0];
      if (!found && req[idx]) begin
        grant[idx] = 1'b1;
        grant_id   = idx;
        found      = 1'b1;
      end
    end
  end

  // after a grant, the winner drops to lowest priority
  always @(posedge clk) begin
    if (rst)
      ptr <= 2'd0;
    else if (any)
      ptr <= grant_id + 2'd1;
  end

endmodule
