"""cocotb unit test for sm_exp, the reference's exponential table (softmax_unit): every distance 0..255 from the
maximum, exp(-d/16) in Q1.15 as the rounded product of round(32768 exp(-q)) and round(32768 exp(-r/16))."""

import cocotb
from cocotb.triggers import Timer

WHOLE = [32768, 12055, 4435, 1631, 600, 221, 81, 30, 11, 4, 1, 1, 0, 0, 0, 0]
FRAC = [32768, 30783, 28918, 27166, 25520, 23974, 22521, 21157, 19875, 18671, 17539, 16477, 15479, 14541, 13660,
        12832]


@cocotb.test()
async def every_distance(dut):
    for delta in range(256):
        dut.delta.value = delta
        await Timer(1, unit="ns")
        want = (WHOLE[delta >> 4] * FRAC[delta & 15] + 16384) >> 15
        got = dut.e.value
        assert got.is_resolvable and int(got) == want, f"delta {delta}: e got {got} expected {want}"
