"""Unit test for ws_array (a submodule of sys_systolic_ws's reference): weights loaded row by row, activation
vectors streamed with gaps; each vector's four column sums must leave in order with its tag, within 16 cycles."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def pack(values, bits):
    return sum((v & ((1 << bits) - 1)) << (bits * i) for i, v in enumerate(values))


def signed_lanes(word, bits, count):
    return [((word >> (bits * i)) & ((1 << bits) - 1)) - (((word >> (bits * i + bits - 1)) & 1) << bits)
            for i in range(count)]


@cocotb.test()
async def column_sums_in_order(dut):
    rng = random.Random(4411)
    dut.rst.value, dut.w_load_row.value, dut.w_data.value, dut.in_v.value = 1, 0, 0, 0
    dut.in_tag.value, dut.in_a.value = 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    for rnd in range(4):
        weights = [[rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(4)] for _ in range(4)]
        for r in range(4):
            dut.w_load_row.value, dut.w_data.value = 1 << r, pack(weights[r], 8)
            await FallingEdge(dut.clk)
        dut.w_load_row.value = 0
        expected, cycle, sent = [], 0, 0
        while sent < 24 or expected:
            if sent < 24 and rng.random() < 0.7:
                a = [rng.choice([-128, 127, rng.randint(-128, 127)]) for _ in range(4)]
                tag = rng.randint(0, 63)
                dut.in_v.value, dut.in_a.value, dut.in_tag.value = 1, pack(a, 8), tag
                expected.append((tag, [sum(a[r] * weights[r][c] for r in range(4)) for c in range(4)], cycle))
                sent += 1
            else:
                dut.in_v.value, dut.in_a.value = 0, rng.getrandbits(32)
            await ReadOnly()
            if int(dut.out_v.value):
                assert expected, f"round {rnd} cycle {cycle}: out_v got 1 expected 0 (no vector in flight)"
                tag, sums, sent_at = expected.pop(0)
                got = signed_lanes(int(dut.out_c.value), 32, 4)
                assert int(dut.out_tag.value) == tag, f"round {rnd}: out_tag got {int(dut.out_tag.value)} expected {tag}"
                for c in range(4):
                    assert got[c] == sums[c], f"round {rnd} vector tag {tag}: column {c} got {got[c]} expected {sums[c]}"
            assert not expected or cycle - expected[0][2] <= 16, f"round {rnd}: vector tag {expected[0][0]} not out after 16 cycles"
            await FallingEdge(dut.clk)
            cycle += 1
        dut.in_v.value = 0
