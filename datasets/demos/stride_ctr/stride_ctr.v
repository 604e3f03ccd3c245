// 1D strided address counter: a start pulse latches base, stride and count; the counter
// then offers base, base+stride, base+2*stride, ... one address per 'next' handshake, and
// pulses done for one cycle after the last address is taken.
// Written for aigchip (Apache-2.0).
module stride_ctr (
  input  wire        clk,
  input  wire        rst,      // synchronous, active high: abandons the walk
  input  wire        start,    // one-cycle request, ignored while valid is high
  input  wire [15:0] base,
  input  wire [15:0] stride,
  input  wire [7:0]  count,    // number of addresses, 0 gives an empty walk
  output reg         valid,    // addr holds the next address (the counter is busy)
  input  wire        next,     // consumer takes addr when valid
  output reg  [15:0] addr,
  output reg         done      // one-cycle pulse after the walk ends
);

  reg [15:0] step;   // latched stride
  reg [7:0]  left;   // addresses still to hand out, including the current one

  always @(posedge clk) begin
    if (rst) begin
      valid <= 1'b0;
      done  <= 1'b0;
    end else begin
      done <= 1'b0;                    // a pulse unless set below
      if (!valid) begin
        if (start) begin
          if (count == 8'd0) begin
            done <= 1'b1;              // empty walk: finish at once
          end else begin
            valid <= 1'b1;
            addr  <= base;
            step  <= stride;
            left  <= count;
          end
        end
      end else if (next) begin         // the current address was taken
        if (left == 8'd1) begin
          valid <= 1'b0;
          done  <= 1'b1;
        end else begin
          addr <= addr + step;         // wraps modulo 2^16
          left <= left - 8'd1;
        end
      end
    end
  end

endmodule
