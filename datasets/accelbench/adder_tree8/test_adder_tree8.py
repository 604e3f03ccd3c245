"""cocotb test for adder_tree8: the sum of eight signed 12-bit lanes appears exactly three edges after it is
sampled, with its valid bit; extremes (all lanes +2047 / -2048, mixed), single-lane one-hot values that catch
a swapped or dropped lane or a bad sign extension, random bubbles, and reset in mid-stream."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

W, LANES, LATENCY = 12, 8, 3
LO, HI = -(2 ** (W - 1)), 2 ** (W - 1) - 1


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def pack(lanes: list[int]) -> int:
    return sum((x & (2**W - 1)) << (W * i) for i, x in enumerate(lanes))


def stimulus(rng: random.Random) -> list[tuple[int, list[int]]]:
    out = [(1, [HI] * 8), (1, [LO] * 8), (1, [HI, LO] * 4), (1, [LO] * 4 + [HI] * 4), (1, [0] * 8), (1, [-1] * 8)]
    for lane in range(LANES):  # one lane at a time, with a distinct weight per lane, positive and negative
        one = [0] * 8
        one[lane] = 3 ** (lane % 6) + lane
        out.append((1, one))
        out.append((1, [-x for x in one]))
        neg = [0] * 8
        neg[lane] = LO
        out.append((1, neg))
    out += [(0, [HI] * 8), (1, [5] * 8), (0, [LO] * 8), (0, [7] * 8), (1, [-7] * 8)]
    for _ in range(600):
        kind = rng.random()
        if kind < 0.1:
            lanes = [rng.choice([LO, HI]) for _ in range(8)]
        elif kind < 0.2:
            lanes = [rng.randint(LO, LO + 20) for _ in range(8)]
        else:
            lanes = [rng.randint(LO, HI) for _ in range(8)]
        out.append((int(rng.random() < 0.75), lanes))
    return out


async def reset(dut, cycles: int = 2) -> None:
    dut.rst.value = 1
    for _ in range(cycles):
        await RisingEdge(dut.clk)
        await ReadOnly()
        assert val(dut.valid_out) == 0, f"in reset: valid_out got {val(dut.valid_out)} expected 0"
        assert val(dut.sum, True) == 0, f"in reset: sum got {val(dut.sum, True)} expected 0"
        await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, stream: list[tuple[int, list[int]]], label: str) -> None:
    # what is driven before edge t shows after edge t+2; the pipeline starts empty (after reset)
    in_flight = deque([(0, 0)] * (LATENCY - 1))
    for cycle, (valid, lanes) in enumerate(stream + [(0, [0] * 8)] * LATENCY):
        dut.valid_in.value, dut.din.value = valid, pack(lanes)
        in_flight.append((valid, sum(lanes)))
        await RisingEdge(dut.clk)
        await ReadOnly()
        want_valid, want_sum = in_flight.popleft()
        got_valid = val(dut.valid_out)
        assert got_valid == want_valid, f"{label} cycle {cycle}: valid_out got {got_valid} expected {want_valid}"
        if want_valid:
            got_sum = val(dut.sum, True)
            assert got_sum == want_sum, f"{label} cycle {cycle}: sum got {got_sum} expected {want_sum} (sampled at cycle {cycle - LATENCY + 1})"
        await FallingEdge(dut.clk)


@cocotb.test()
async def sums_with_three_cycle_latency(dut):
    dut.valid_in.value, dut.din.value = 1, pack([HI] * 8)
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await reset(dut)
    await run(dut, stimulus(random.Random(808)), "stream")


@cocotb.test()
async def reset_in_mid_stream_drops_everything_in_flight(dut):
    dut.valid_in.value, dut.din.value = 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await reset(dut)
    rng = random.Random(809)
    for burst in range(3):
        # fill the pipeline with valid data, then reset: nothing sampled before the reset may come out
        for _ in range(burst + 1):
            dut.valid_in.value, dut.din.value = 1, pack([rng.randint(LO, HI) for _ in range(8)])
            await FallingEdge(dut.clk)
        dut.valid_in.value = 1
        await reset(dut, cycles=1)
        await run(dut, [(1, [rng.randint(LO, HI) for _ in range(8)]) for _ in range(6)], f"after reset {burst}")
