"""cocotb test for systolic_pe: a cycle model of the weight-stationary PE (weight load, activation pass-through,
partial sum down), with wrap-around of the partial sum."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

ACC_W = 24


def wrap(value: int) -> int:
    value &= (1 << ACC_W) - 1
    return value - (1 << ACC_W) if value >> (ACC_W - 1) else value


def stimulus(rng: random.Random) -> list[tuple[int, int, int, int]]:
    big, small = 2 ** (ACC_W - 1) - 1, -(2 ** (ACC_W - 1))
    corners = [(1, -128, 0, 0), (0, 0, -128, 0), (0, 5, 127, big), (0, 0, -128, small), (1, 127, 3, 100),
               (0, 0, -1, -1), (1, 0, 127, 0), (0, 0, 127, 5), (1, -1, -128, big), (0, 0, -128, big)]
    randoms = []
    for _ in range(500):
        psum = rng.choice([big, small, 0, rng.randint(small, big), rng.randint(-1000, 1000)])
        randoms.append((int(rng.random() < 0.15), rng.randint(-128, 127), rng.randint(-128, 127), psum))
    return corners + randoms


@cocotb.test()
async def passes_activations_and_accumulates_partial_sums(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.load_w.value, dut.w_in.value, dut.a_in.value, dut.psum_in.value = 1, 0, 0, 0, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert dut.w_out.value.to_signed() == 0, f"in reset: w_out got {dut.w_out.value.to_signed()} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    weight = 0
    for cycle, (load, w_in, a_in, psum_in) in enumerate(stimulus(random.Random(55))):
        dut.load_w.value, dut.w_in.value, dut.a_in.value, dut.psum_in.value = load, w_in, a_in, psum_in
        await RisingEdge(dut.clk)
        await ReadOnly()
        want_psum = wrap(psum_in + a_in * weight)  # the weight held before this edge
        if load:
            weight = w_in
        where = f"(load_w={load} w_in={w_in} a_in={a_in} psum_in={psum_in})"
        got = dut.a_out.value.to_signed()
        assert got == a_in, f"cycle {cycle}: a_out got {got} expected {a_in} {where}"
        got = dut.psum_out.value.to_signed()
        assert got == want_psum, f"cycle {cycle}: psum_out got {got} expected {want_psum} {where}"
        got = dut.w_out.value.to_signed()
        assert got == weight, f"cycle {cycle}: w_out got {got} expected {weight} {where}"
        await FallingEdge(dut.clk)
