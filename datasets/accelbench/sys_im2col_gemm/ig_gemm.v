// GEMM core for im2col_gemm: multiplies the im2col patch matrix, one element per advancing cycle, by the weight
// matrix of four filters: four int21 accumulators restart on a patch's first element, and a patch's last
// element registers the four sums (sign-extended to int32) in the output register with out_last on the job's
// final patch. The element's operands arrive from the buffers' read registers, so its flags are delayed one
// advancing edge to match. Written for aigchip AccelBench (Apache-2.0).
module ig_gemm (
  input  wire               clk,
  input  wire               rst,
  input  wire               adv,
  input  wire               in_valid,     // flags of the element being read this cycle
  input  wire               in_first,
  input  wire               in_last,
  input  wire               in_job_last,
  input  wire signed  [7:0] a,            // the operands of the element read on the last advancing edge
  input  wire        [31:0] w_row,        // filter f's weight in bits 8f+7:8f
  output wire               busy,
  output reg                out_valid,
  output reg                out_last,
  output reg        [127:0] out_data      // filter f's sum in bits 32f+31:32f
);
  reg        s1_valid, s1_first, s1_last, s1_job_last;
  reg [83:0] acc;                          // filter f's running sum in bits 21f+20:21f
  wire [83:0] sum;

  genvar f;
  generate
    for (f = 0; f < 4; f = f + 1) begin : lane
      wire signed [20:0] prior = s1_first ? 21'sd0 : $signed(acc[21*f +: 21]);
      assign sum[21*f +: 21] = prior + a * $signed(w_row[8*f +: 8]);
    end
  endgenerate

  assign busy = s1_valid || out_valid;

  always @(posedge clk) begin
    if (rst) begin
      s1_valid  <= 1'b0;
      out_valid <= 1'b0;
    end else if (adv) begin
      s1_valid    <= in_valid;
      s1_first    <= in_first;
      s1_last     <= in_last;
      s1_job_last <= in_job_last;
      if (s1_valid) acc <= sum;
      out_valid <= s1_valid && s1_last;
      out_last  <= s1_job_last;
      out_data  <= {{11{sum[83]}}, sum[83:63], {11{sum[62]}}, sum[62:42], {11{sum[41]}}, sum[41:21],
                    {11{sum[20]}}, sum[20:0]};
    end
  end
endmodule
