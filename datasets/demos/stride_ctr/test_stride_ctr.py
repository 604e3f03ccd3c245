"""cocotb test for stride_ctr: the address sequence base + k*stride (mod 2^16) under random 'next', the done
pulse one cycle after the last handshake, count 0 and 1 walks, wrap-around, and starts ignored while valid."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


async def walk(dut, rng: random.Random, case: int, base: int, stride: int, count: int, p_next: float) -> None:
    dut.base.value, dut.stride.value, dut.count.value, dut.start.value = base, stride, count, 1
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    want = [(base + k * stride) % 2**16 for k in range(count)]
    taken, last_at = [], -1
    for cycle in range(count * 12 + 10):
        valid = int(dut.valid.value)
        nxt = int(rng.random() < p_next)
        # a start while busy, with other parameters, must change nothing
        dut.start.value = int(valid and rng.random() < 0.2)
        dut.base.value, dut.stride.value, dut.count.value = rng.randint(0, 2**16 - 1), rng.randint(0, 2**16 - 1), rng.randint(0, 9)
        dut.next.value = nxt
        await ReadOnly()
        done = int(dut.done.value)
        if done:
            assert taken == want, f"case {case} cycle {cycle}: addresses got {taken} expected {want}"
            assert last_at == cycle - 1, f"case {case} cycle {cycle}: done got 1 expected 1 only the cycle after the last handshake (at {last_at})"
            assert valid == 0, f"case {case} cycle {cycle}: valid got 1 expected 0 with done"
            break
        if valid and nxt:
            taken.append(int(dut.addr.value))
            k = len(taken) - 1
            assert k < len(want) and taken[k] == want[k], f"case {case} cycle {cycle}: addr got {taken[k]} expected {want[k] if k < len(want) else 'nothing'}"
            last_at = cycle
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
    else:
        assert False, f"case {case}: done never pulsed ({len(taken)} of {len(want)} taken)"
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.done.value) == 0, f"case {case}: done got 1 expected 0 (pulse longer than one cycle)"
    await FallingEdge(dut.clk)
    dut.start.value, dut.next.value = 0, 0


@cocotb.test()
async def strided_walks(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.start.value, dut.next.value = 1, 0, 0
    dut.base.value, dut.stride.value, dut.count.value = 0, 0, 0
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.valid.value) == 0 and int(dut.done.value) == 0, "after reset: valid/done got 1 expected 0"
    await FallingEdge(dut.clk)
    rng = random.Random(1616)
    cases = [(100, 4, 5, 1.0), (7, 0, 3, 0.5), (0xFFF0, 8, 6, 0.7), (1, 1, 1, 1.0), (9, 3, 0, 1.0),
             (50, 0xFFFF, 4, 0.4), (0, 1, 255, 1.0), (20, 2, 1, 0.3)]
    cases += [(rng.randint(0, 2**16 - 1), rng.randint(0, 2**16 - 1), rng.randint(0, 12), rng.choice([0.3, 0.7, 1.0])) for _ in range(25)]
    for case, params in enumerate(cases):
        await walk(dut, rng, case, *params)
