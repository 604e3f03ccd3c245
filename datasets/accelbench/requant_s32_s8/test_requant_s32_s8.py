"""cocotb test for requant_s32_s8: a Python model of clamp(floor((acc*scale + 2^(shift-1)) / 2^shift) + zp) with
exact integers, checked with a two-edge latency and per-sample shift / zero point changing every cycle: exact ties
(positive and negative), shift 0 / 1 / 63, the largest product (-2^31 * -2^31 with shift 62 and 63, where a 64-bit
rounding sum would wrap), both clamp boundaries with every zero-point extreme, realistic requantisation values,
random bubbles, q held between valid results, and reset in mid-stream."""

import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

I32_LO, I32_HI = -(2**31), 2**31 - 1
LATENCY = 2


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


def model(acc: int, scale: int, shift: int, zp: int) -> int:
    p = acc * scale
    r = (p + (1 << (shift - 1))) >> shift if shift else p
    return max(-128, min(127, r + zp))


def hit(rng: random.Random, target: float, shift: int) -> tuple[int, int]:
    """acc, scale whose product / 2^shift is close to target (falls back to anything in range)."""
    for _ in range(50):
        scale = rng.choice([1, -1]) * rng.randint(1, min(2 ** rng.randint(0, 31), 2**31 - 1))
        acc = round(target * 2**shift / scale) + rng.randint(-2, 2)
        if I32_LO <= acc <= I32_HI:
            return acc, scale
    return rng.randint(I32_LO, I32_HI), rng.randint(I32_LO, I32_HI)


def samples(rng: random.Random) -> list[tuple[int, int, int, int, int]]:
    """(valid, acc, scale, shift, zp)"""
    out = [
        (1, I32_LO, I32_LO, 63, 0), (1, I32_LO, I32_LO, 62, 0), (1, I32_LO, I32_LO, 62, -128),
        (1, I32_LO, I32_HI, 63, 0), (1, I32_LO, I32_HI, 62, 127), (1, I32_HI, I32_HI, 63, -1),
        (1, 1, 1, 1, 0), (1, -1, 1, 1, 0), (1, 3, 1, 1, 0), (1, -3, 1, 1, 0), (1, -5, 1, 1, 0),
        (1, 5, 1, 0, 0), (1, -7, 3, 0, 5), (1, 200, 1, 0, 0), (1, -200, 1, 0, 0), (1, 0, 12345, 17, -128),
        (1, 127, 1, 0, 0), (1, 128, 1, 0, 0), (1, -128, 1, 0, 0), (1, -129, 1, 0, 0),
        (1, 255, 1, 0, -128), (1, 256, 1, 0, -128), (1, -255, 1, 0, 127), (1, -256, 1, 0, 127),
        (1, 2**30, 2, 31, 0), (1, I32_LO, 1, 31, 0), (1, I32_LO, -1, 31, 0), (1, I32_HI, 1, 24, 0),
    ]
    # exact ties: acc*scale = (2k+1) * 2^(shift-1), both signs
    for _ in range(150):
        shift = rng.randint(1, 40)
        odd = rng.choice([1, -1]) * (2 * rng.randint(0, 200) + 1)
        p = odd << (shift - 1)
        scale = rng.choice([1, -1]) << rng.randint(0, min(shift - 1, 30))  # divides p exactly
        acc = p // scale
        if I32_LO <= acc <= I32_HI:
            out.append((1, acc, scale, shift, rng.randint(-20, 20)))
    # near both clamp boundaries, every zero point extreme
    for _ in range(200):
        zp = rng.choice([-128, -127, -1, 0, 1, 126, 127, rng.randint(-128, 127)])
        edge = rng.choice([127, 128, -128, -129]) - zp + rng.choice([-1, 0, 0, 1])
        shift = rng.randint(0, 48)
        acc, scale = hit(rng, edge, shift)
        out.append((1, acc, scale, shift, zp))
    assert sum(1 for v, a, sc, sh, z in out if sh and (a * sc) % (1 << sh) == 1 << (sh - 1)) > 100
    # realistic requantisation: results mostly inside int8
    for _ in range(500):
        shift = rng.randint(0, 63)
        acc, scale = hit(rng, rng.uniform(-160, 160), shift)
        out.append((int(rng.random() < 0.8), acc, scale, shift, rng.randint(-128, 127)))
    # anything
    for _ in range(200):
        out.append((int(rng.random() < 0.8), rng.randint(I32_LO, I32_HI), rng.randint(I32_LO, I32_HI),
                    rng.randint(0, 63), rng.randint(-128, 127)))
    return out


async def drive(dut, label: str, stream, in_reset_at: set[int] = frozenset()) -> None:
    """Drive (valid, acc, scale, shift, zp) per cycle and check valid_out and q every cycle."""
    in_flight = deque([(0, 0, "")] * (LATENCY - 1))  # the pipeline starts empty (after reset)
    q, source = 0, "reset value"
    inside = 0
    for cycle, (valid, acc, scale, shift, zp) in enumerate(list(stream) + [(0, 0, 0, 0, 0)] * LATENCY):
        rst = int(cycle in in_reset_at)
        dut.rst.value, dut.valid_in.value = rst, valid
        dut.acc.value, dut.scale.value, dut.shift.value, dut.zp.value = acc, scale, shift, zp
        if rst:
            in_flight = deque([(0, 0, "")] * LATENCY)  # whatever was in flight is dropped
            q, source = 0, "reset value"
        else:
            sample = f"sample of cycle {cycle}: acc={acc} scale={scale} shift={shift} zp={zp}"
            in_flight.append((valid, model(acc, scale, shift, zp) if valid else 0, sample))
        await RisingEdge(dut.clk)
        await ReadOnly()
        want_valid, result, sample = in_flight.popleft()
        if want_valid:
            q, source = result, sample
            inside += -128 < result < 127
        got_valid, got_q = val(dut.valid_out), val(dut.q, True)
        assert got_valid == want_valid, f"{label} cycle {cycle} (rst={rst}): valid_out got {got_valid} expected {want_valid}"
        assert got_q == q, (f"{label} cycle {cycle}: q got {got_q} expected {q} "
                            f"({'new result' if want_valid else 'held'}; {source})")
        await FallingEdge(dut.clk)
    return inside


async def start(dut) -> None:
    dut.rst.value, dut.valid_in.value, dut.acc.value, dut.scale.value, dut.shift.value, dut.zp.value = 1, 1, 5, 5, 0, 3
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    for _ in range(2):
        await RisingEdge(dut.clk)
        await ReadOnly()
        assert val(dut.valid_out) == 0, f"in reset: valid_out got {val(dut.valid_out)} expected 0"
        assert val(dut.q, True) == 0, f"in reset: q got {val(dut.q, True)} expected 0"
        await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def requantises_like_the_model(dut):
    await start(dut)
    inside = await drive(dut, "stream", samples(random.Random(3208)))
    assert inside > 300, f"test set-up: only {inside} results fell strictly inside the int8 range"


@cocotb.test()
async def reset_in_mid_stream_drops_results_in_flight(dut):
    await start(dut)
    rng = random.Random(3209)
    stream = [(1, rng.randint(-5000, 5000), rng.randint(1, 5000), rng.randint(10, 20), rng.randint(-10, 10)) for _ in range(40)]
    await drive(dut, "reset stream", stream, in_reset_at={7, 8, 20, 31})
