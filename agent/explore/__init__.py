"""`aigchip explore`: design-space exploration over a top module's Verilog parameters.

`space` reads what is explored (the design, its checks, the `--param` values, the sample of points), `sweep`
checks and costs each point in parallel (threads, or Ray tasks), `front` says which passing points are on the
Pareto front of area against cycles per job, `html` draws the report. The output folder's files are written
and read by `aigchip.record` (the run-folder owner).
"""
