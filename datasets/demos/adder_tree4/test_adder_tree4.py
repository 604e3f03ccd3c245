"""cocotb test for adder_tree4: the sum of four signed inputs appears two cycles later with its valid."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

W = 8
LO, HI = -(2 ** (W - 1)), 2 ** (W - 1) - 1
LATENCY = 2


def stimulus(rng: random.Random) -> list[tuple[int, list[int]]]:
    corners = [(1, [HI] * 4), (1, [LO] * 4), (1, [HI, LO, HI, LO]), (1, [0, 0, 0, 0]), (0, [1, 2, 3, 4]),
               (1, [-1, -1, -1, -1]), (1, [LO, LO, HI, HI]), (1, [1, -1, 1, -1])]
    randoms = [(int(rng.random() < 0.7), [rng.randint(LO, HI) for _ in range(4)]) for _ in range(400)]
    return corners + randoms


@cocotb.test()
async def sums_with_two_cycle_latency(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.valid_in.value = 1, 0
    for port in (dut.in0, dut.in1, dut.in2, dut.in3):
        port.value = 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.valid_out.value) == 0, f"in reset: valid_out got {dut.valid_out.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    # (valid, sum) in the pipeline, oldest first: what is driven before edge t shows after edge t+1
    in_flight = deque([(0, 0)] * (LATENCY - 1))
    for cycle, (valid, values) in enumerate(stimulus(random.Random(33)) + [(0, [0] * 4)] * LATENCY):
        dut.valid_in.value = valid
        for port, value in zip((dut.in0, dut.in1, dut.in2, dut.in3), values):
            port.value = value
        in_flight.append((valid, sum(values)))
        await RisingEdge(dut.clk)
        await ReadOnly()
        want_valid, want_sum = in_flight.popleft()
        got_valid = int(dut.valid_out.value)
        assert got_valid == want_valid, f"cycle {cycle}: valid_out got {got_valid} expected {want_valid}"
        if want_valid:
            got_sum = dut.sum.value.to_signed()
            assert got_sum == want_sum, f"cycle {cycle}: sum got {got_sum} expected {want_sum}"
        await FallingEdge(dut.clk)
