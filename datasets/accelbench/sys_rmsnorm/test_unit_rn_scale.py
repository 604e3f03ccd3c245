"""cocotb unit test for rn_scale, the reference's output stage (rmsnorm_unit): clamp(floor((x gamma root + 2^21) /
2^22)) at the extremes of x, gamma and root (saturation both ways, exact halves), registered only when the stage
can load (output empty or taken). Reset held from time 0, clock starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def scale_round_and_clamp(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in ("load", "last_in", "x", "gamma", "root", "out_ready"):
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.out_valid.value) == 0, f"in reset: out_valid got {dut.out_valid.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1334)
    held = (0, 0, 0, "nothing")
    for cycle in range(600):
        x, g = rng.choice((-128, 127, -1, 1, rng.randint(-128, 127))), rng.choice((-128, 127, 64, rng.randint(-128, 127)))
        r = rng.choice((1 << 20, 8191, 65408, 1 << 19, rng.randint(8191, 1 << 20)))
        load, last, ready = rng.randint(0, 1), rng.randint(0, 1), int(rng.random() < 0.6)
        for name, value in (("load", load), ("last_in", last), ("x", x), ("gamma", g), ("root", r), ("out_ready", ready)):
            getattr(dut, name).value = value
        await ReadOnly()
        can = int(dut.can_load.value)
        assert can == int(not held[0] or ready), f"cycle {cycle}: can_load got {can} expected {int(not held[0] or ready)}"
        await RisingEdge(dut.clk)
        if can:
            want = min(127, max(-128, (x * g * r + (1 << 21)) >> 22))
            held = (load, last, want, f"x={x} gamma={g} root={r}")
        await ReadOnly()
        where = f"cycle {cycle}"
        got = dut.out_valid.value
        assert got.is_resolvable and int(got) == held[0], f"{where}: out_valid got {got} expected {held[0]}"
        if held[0]:
            data, flag = dut.out_data.value, dut.out_last.value
            assert data.is_resolvable and data.to_signed() == held[2], f"{where} ({held[3]}): out_data got {data} expected {held[2]}"
            assert flag.is_resolvable and int(flag) == held[1], f"{where}: out_last got {flag} expected {held[1]}"
        await FallingEdge(dut.clk)
