// 4x4 weight-stationary systolic array. Row r of the activation vector enters PE(r,0) after r skew
// registers; column c's sum leaves PE(3,c) and is delayed 3-c more cycles, so all four column sums of
// one activation vector leave together LATENCY cycles after it entered. A tag travels with each vector.
module ws_array (
  input  wire          clk,
  input  wire          rst,
  input  wire [3:0]    w_load_row,  // one-hot: load w_data into the four PEs of that row
  input  wire [31:0]   w_data,      // lane c (bits 8c+7:8c) is the weight of column c
  input  wire          in_v,
  input  wire [5:0]    in_tag,
  input  wire [31:0]   in_a,        // lane r is the activation of row r
  output wire          out_v,
  output wire [5:0]    out_tag,
  output wire [127:0]  out_c        // lane c (bits 32c+31:32c) is column c's sum
);
  localparam LATENCY = 7;

  wire signed [7:0]  act  [0:3][0:4];  // act[r][c]: activation entering PE(r,c)
  wire signed [31:0] psum [0:4][0:3];  // psum[r][c]: partial sum entering PE(r,c)

  // input skew: row r waits r cycles
  reg [7:0] skew1, skew2a, skew2b, skew3a, skew3b, skew3c;
  always @(posedge clk) begin
    skew1  <= in_a[15:8];
    skew2a <= in_a[23:16];
    skew2b <= skew2a;
    skew3a <= in_a[31:24];
    skew3b <= skew3a;
    skew3c <= skew3b;
  end
  assign act[0][0] = in_a[7:0];
  assign act[1][0] = skew1;
  assign act[2][0] = skew2b;
  assign act[3][0] = skew3c;

  genvar r, c;
  generate
    for (c = 0; c < 4; c = c + 1) begin : top_row
      assign psum[0][c] = 32'sd0;
    end
    for (r = 0; r < 4; r = r + 1) begin : rows
      for (c = 0; c < 4; c = c + 1) begin : cols
        ws_pe pe (
          .clk(clk), .w_load(w_load_row[r]), .w_in(w_data[8*c +: 8]),
          .a_in(act[r][c]), .p_in(psum[r][c]), .a_out(act[r][c+1]), .p_out(psum[r+1][c]));
      end
    end
  endgenerate

  // output de-skew: column c waits 3-c cycles
  reg [31:0] col0_d1, col0_d2, col0_d3, col1_d1, col1_d2, col2_d1;
  always @(posedge clk) begin
    col0_d1 <= psum[4][0];
    col0_d2 <= col0_d1;
    col0_d3 <= col0_d2;
    col1_d1 <= psum[4][1];
    col1_d2 <= col1_d1;
    col2_d1 <= psum[4][2];
  end
  assign out_c = {psum[4][3], col2_d1, col1_d2, col0_d3};

  // valid and tag pipeline, LATENCY stages
  reg [LATENCY-1:0] v_pipe;
  reg [5:0] tag_pipe [0:LATENCY-1];
  integer i;
  always @(posedge clk) begin
    if (rst)
      v_pipe <= {LATENCY{1'b0}};
    else
      v_pipe <= {v_pipe[LATENCY-2:0], in_v};
    tag_pipe[0] <= in_tag;
    for (i = 1; i < LATENCY; i = i + 1)
      tag_pipe[i] <= tag_pipe[i-1];
  end
  assign out_v = v_pipe[LATENCY-1];
  assign out_tag = tag_pipe[LATENCY-1];
endmodule
