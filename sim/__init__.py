"""aigchip's verification engine: check Verilog designs with Icarus Verilog and Verilator, no model needed.

    from aigchip.sim import Design, verify
    verdict = verify(Design.from_paths(["adder.v"], top="adder"), testbench="tb_adder.v")
"""

from aigchip.sim.types import Design, Diagnostic, Severity, Status, Verdict

__all__ = ["Design", "Diagnostic", "Severity", "Status", "Verdict", "VerifyOptions", "verify", "verify_many"]


def __getattr__(name: str):  # keep `import sim` cheap: the checking machinery loads on first use
    if name in ("verify", "verify_many", "VerifyOptions"):
        from aigchip.sim import check

        return getattr(check, name)
    raise AttributeError(name)
