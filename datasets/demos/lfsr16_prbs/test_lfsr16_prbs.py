"""cocotb test for lfsr16_prbs: the state sequence against a Python Fibonacci LFSR model with seeded random
enables and loads, a zero seed, load priority over enable, reset, and the full 65535-step period."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

RESET_STATE = 0xACE1


def step(s: int) -> int:
    fb = ((s >> 15) ^ (s >> 13) ^ (s >> 12) ^ (s >> 10)) & 1
    return ((s << 1) | fb) & 0xFFFF


async def start(dut) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.en.value, dut.load.value, dut.seed.value = 1, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def sequence_matches_the_model(dut):
    await start(dut)
    rng = random.Random(1611)
    plan = [(1, 0, 0)] * 50 + [(1, 1, 0), (1, 0, 0), (0, 1, 0xFFFF), (1, 0, 0), (0, 0, 0), (1, 1, 0x8000)]
    plan += [(int(rng.random() < 0.8), int(rng.random() < 0.03), rng.choice([0, rng.randint(0, 0xFFFF)]))
             for _ in range(2000)]
    state = RESET_STATE
    for cycle, (en, load, seed) in enumerate(plan):
        dut.en.value, dut.load.value, dut.seed.value = en, load, seed
        await RisingEdge(dut.clk)
        await ReadOnly()
        if load:
            state = seed or 1
        elif en:
            state = step(state)
        got, bit = int(dut.state.value), int(dut.bit_out.value)
        where = f"cycle {cycle} (en={en} load={load} seed=0x{seed:04x})"
        assert got == state, f"{where}: state got 0x{got:04x} expected 0x{state:04x}"
        assert bit == state >> 15, f"{where}: bit_out got {bit} expected {state >> 15}"
        assert got != 0, f"{where}: state got 0, the LFSR is stuck"
        await FallingEdge(dut.clk)


@cocotb.test()
async def maximal_period(dut):
    await start(dut)
    dut.load.value, dut.seed.value = 1, 1
    await FallingEdge(dut.clk)
    dut.load.value, dut.en.value = 0, 1
    for _ in range(65534):
        await FallingEdge(dut.clk)
        got = int(dut.state.value)
        assert got != 1, f"state came back to 0x0001 after fewer than 65535 steps"
    await FallingEdge(dut.clk)
    got = int(dut.state.value)
    assert got == 1, f"after 65535 steps: state got 0x{got:04x} expected 0x0001"
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    await ReadOnly()
    got = int(dut.state.value)
    assert got == RESET_STATE, f"after reset: state got 0x{got:04x} expected 0x{RESET_STATE:04x}"
