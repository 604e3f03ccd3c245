"""Benchmarks: adapters that load VerilogEval v2, RTLLM, VGen-style and native task folders as `Task`s,
the evaluation runner, pass@k and reports."""
