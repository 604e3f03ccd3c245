// im2col address generator for im2col_gemm: walks the output positions in raster order (patch top-left corner
// y0, x0 from -P in steps of S while the patch fits the padded image) and, within a patch, the elements in
// im2col order (ky, kx, channel); for each it gives the pixel's buffer address and channel, whether it lies in
// the zero padding, its patch index kidx = (ky*K + kx)*C + c and the first/last/job-last flags. One element per
// advancing cycle. Written for aigchip AccelBench (Apache-2.0).
module ig_addrgen (
  input  wire       clk,
  input  wire       rst,
  input  wire       start,     // load the first element of a job
  input  wire       adv,
  input  wire [4:0] width,
  input  wire [3:0] height,
  input  wire [2:0] chans,
  input  wire [1:0] k,
  input  wire [1:0] stride,
  input  wire [1:0] pad,
  output reg        busy,      // elements remain: the current one is valid
  output wire       valid,
  output wire [6:0] addr,      // row * W + column of the pixel
  output wire [1:0] lane,      // its channel
  output wire       zero,      // the element lies in the padding
  output reg  [5:0] kidx,      // patch index of the element
  output wire       first,     // first element of a patch
  output wire       last,      // last element of a patch
  output wire       job_last   // last element of the job
);
  reg signed [5:0] y0, x0;     // top-left corner of the current patch, padding included
  reg        [1:0] ky, kx, ci;

  wire signed [6:0] iy     = {y0[5], y0} + $signed({5'b0, ky});
  wire signed [6:0] ix     = {x0[5], x0} + $signed({5'b0, kx});
  wire signed [6:0] y_next = {y0[5], y0} + $signed({5'b0, stride});
  wire signed [6:0] x_next = {x0[5], x0} + $signed({5'b0, stride});
  wire signed [6:0] y_lim  = $signed({3'b0, height}) + $signed({5'b0, pad}) - $signed({5'b0, k});  // largest y0
  wire signed [6:0] x_lim  = $signed({2'b0, width}) + $signed({5'b0, pad}) - $signed({5'b0, k});   // largest x0
  wire signed [5:0] origin = -$signed({4'b0, pad});

  wire c_end    = ({1'b0, ci} == chans - 3'd1);
  wire kx_end   = (kx == k - 2'd1);
  wire ky_end   = (ky == k - 2'd1);
  wire col_last = (x_next > x_lim);
  wire row_last = (y_next > y_lim);

  assign valid    = busy;
  assign zero     = iy[6] || (iy >= $signed({3'b0, height})) || ix[6] || (ix >= $signed({2'b0, width}));
  assign addr     = iy[2:0] * width + {3'b0, ix[3:0]};
  assign lane     = ci;
  assign first    = (kidx == 6'd0);
  assign last     = c_end && kx_end && ky_end;
  assign job_last = last && col_last && row_last;

  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
    end else if (start) begin
      busy <= 1'b1;
      y0 <= origin; x0 <= origin;
      ky <= 2'd0; kx <= 2'd0; ci <= 2'd0; kidx <= 6'd0;
    end else if (adv && busy) begin
      kidx <= last ? 6'd0 : kidx + 6'd1;
      ci <= c_end ? 2'd0 : ci + 2'd1;
      if (c_end) begin
        kx <= kx_end ? 2'd0 : kx + 2'd1;
        if (kx_end) begin
          ky <= ky_end ? 2'd0 : ky + 2'd1;
          if (ky_end) begin
            if (!col_last) begin
              x0 <= x_next[5:0];
            end else begin
              x0 <= origin;
              y0 <= y_next[5:0];
              if (row_last) busy <= 1'b0;
            end
          end
        end
      end
    end
  end
endmodule
