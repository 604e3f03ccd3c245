// Streaming top-2 tracker: keeps the two largest (value, index) pairs of the current stream (ties
// keep the earlier element ahead) and reports them the cycle after the element flagged last.
// Written for aigchip AccelBench (Apache-2.0).
module topk_stream (
  input  wire               clk,
  input  wire               rst,        // synchronous, active high
  input  wire               in_valid,
  input  wire signed [15:0] in_value,
  input  wire        [7:0]  in_index,
  input  wire               in_last,    // with in_valid: this element ends the stream
  output reg                out_valid,  // one-cycle pulse: the results below are new
  output reg  signed [15:0] top1_value,
  output reg         [7:0]  top1_index,
  output reg  signed [15:0] top2_value,
  output reg         [7:0]  top2_index,
  output reg                top2_valid  // the stream had at least two elements
);
  // the running top two of the current stream
  reg               has1, has2;
  reg signed [15:0] v1, v2;
  reg        [7:0]  i1, i2;

  // the top two after inserting the incoming element
  reg               n_has2;
  reg signed [15:0] n_v1, n_v2;
  reg        [7:0]  n_i1, n_i2;
  always @(*) begin
    n_v1 = v1;  n_i1 = i1;  n_v2 = v2;  n_i2 = i2;  n_has2 = has2;
    if (!has1 || in_value > v1) begin
      n_v1 = in_value;  n_i1 = in_index;
      if (has1) begin
        n_v2 = v1;  n_i2 = i1;  n_has2 = 1'b1;
      end
    end else if (!has2 || in_value > v2) begin
      n_v2 = in_value;  n_i2 = in_index;  n_has2 = 1'b1;
    end
  end

  always @(posedge clk) begin
    if (rst) begin
      has1 <= 1'b0;  has2 <= 1'b0;
      v1 <= 16'sd0;  v2 <= 16'sd0;  i1 <= 8'd0;  i2 <= 8'd0;
      out_valid  <= 1'b0;
      top1_value <= 16'sd0;  top1_index <= 8'd0;
      top2_value <= 16'sd0;  top2_index <= 8'd0;  top2_valid <= 1'b0;
    end else begin
      out_valid <= 1'b0;
      if (in_valid) begin
        if (in_last) begin
          out_valid  <= 1'b1;
          top1_value <= n_v1;
          top1_index <= n_i1;
          top2_valid <= n_has2;
          top2_value <= n_has2 ? n_v2 : 16'sd0;
          top2_index <= n_has2 ? n_i2 : 8'd0;
          has1 <= 1'b0;  has2 <= 1'b0;   // the next element starts a new stream
        end else begin
          has1 <= 1'b1;  has2 <= n_has2;
          v1 <= n_v1;  i1 <= n_i1;  v2 <= n_v2;  i2 <= n_i2;
        end
      end
    end
  end
endmodule
