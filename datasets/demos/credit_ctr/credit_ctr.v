// Credit counter for credit-based flow control: counts the receiver buffer slots the sender
// may still use. A send consumes a credit (only when one is available), a returned credit
// adds one back, and can_send says a credit is available.
// Written for aigchip (Apache-2.0).
module credit_ctr #(
  parameter [3:0] INIT_CREDITS = 4'd4    // credits after reset
) (
  input  wire       clk,
  input  wire       rst,            // synchronous, active high: back to INIT_CREDITS
  input  wire       init,           // load init_credits (over send/credit_in)
  input  wire [3:0] init_credits,
  input  wire       send,           // the sender sends one item (counts only with can_send)
  input  wire       credit_in,      // the receiver returns one credit
  output reg  [3:0] credits,
  output wire       can_send
);

  assign can_send = (credits != 4'd0);
  wire take = send && can_send;                        // a send without credit is ignored
  wire give = credit_in && (credits != 4'd15 || take); // saturate at 15

  always @(posedge clk) begin
    if (rst)
      credits <= INIT_CREDITS;
    else if (init)
      credits <= init_credits;
    else if (take && !give)
      credits <= credits - 4'd1;
    else if (give && !take)
      credits <= credits + 4'd1;
    // take and give together: unchanged
  end

endmodule
