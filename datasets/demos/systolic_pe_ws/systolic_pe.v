// Weight-stationary systolic-array processing element: holds one int8 weight, passes
// activations to the right and partial sums down, one register stage each.
// Written for aigchip (Apache-2.0).
module systolic_pe #(
  parameter ACC_W = 24  // partial-sum width
) (
  input  wire                    clk,
  input  wire                    rst,       // synchronous, active high: clears weight and outputs
  input  wire                    load_w,    // weight <= w_in on this edge
  input  wire signed [7:0]       w_in,
  input  wire signed [7:0]       a_in,      // activation from the left neighbour
  input  wire signed [ACC_W-1:0] psum_in,   // partial sum from the PE above
  output reg  signed [7:0]       a_out,     // a_in delayed one cycle, to the right neighbour
  output reg  signed [ACC_W-1:0] psum_out,  // psum_in + a_in * weight, to the PE below
  output wire signed [7:0]       w_out      // the stored weight (for chaining weight loads)
);

  reg signed [7:0] weight;
  assign w_out = weight;

  // the product uses the weight held before this edge, even when a new one loads
  wire signed [15:0]      product = a_in * weight;
  wire signed [ACC_W-1:0] product_ext = {{(ACC_W-16){product[15]}}, product};
  wire signed [ACC_W-1:0] mac = psum_in + product_ext;

  always @(posedge clk) begin
    if (rst) begin
      weight   <= 8'sd0;
      a_out    <= 8'sd0;
      psum_out <= {ACC_W{1'b0}};
    end else begin
      if (load_w) weight <= w_in;
      a_out    <= a_in;
      psum_out <= mac;  // wraps modulo 2**ACC_W
    end
  end

endmodule
