"""The multi-grained Verilog corpus: entries described at three grains, their loaders and the demo library."""
