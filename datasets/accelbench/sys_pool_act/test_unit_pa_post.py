"""cocotb unit test for pa_post, the reference's output stage (pool_act): rounded averages of 2x2 and 3x3 sums,
then each activation (none, ReLU, ReLU6 at and around its ceiling, leaky at every shift, odd negatives for its
rounding), registered only on advancing edges. Reset held from time 0, clock starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def post(value: int, k3: int, avg: int, act: int, six: int, shift: int) -> int:
    x = (value * (7282 if k3 else 16384) + 32768) >> 16 if avg else value
    if act == 1:
        return max(x, 0)
    if act == 2:
        return min(max(x, 0), six)
    if act == 3 and x < 0:
        return (x + ((1 << (shift - 1)) if shift else 0)) >> shift
    return x


@cocotb.test()
async def average_and_activations(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in ("adv", "in_valid", "in_last", "value", "k3", "avg", "act", "six", "shift"):
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.out_valid.value) == 0, f"in reset: out_valid got {dut.out_valid.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1312)
    held = (0, 0, 0, "nothing")
    for cycle in range(700):
        k3, avg, act = rng.randint(0, 1), rng.randint(0, 1), cycle % 4
        low, high = ((-1152, 1143) if k3 else (-512, 508)) if avg else (-128, 127)
        value = rng.choice((low, high, rng.randint(low, high), rng.randint(-30, 30)))
        six, shift = rng.choice((0, 1, 6, 127, rng.randint(0, 127))), rng.randint(0, 7)
        adv, valid, last = int(rng.random() < 0.8), rng.randint(0, 1), rng.randint(0, 1)
        for name, v in zip(("adv", "in_valid", "in_last", "value", "k3", "avg", "act", "six", "shift"),
                           (adv, valid, last, value, k3, avg, act, six, shift)):
            getattr(dut, name).value = v
        await RisingEdge(dut.clk)
        if adv:
            want = post(value, k3, avg, act, six, shift)
            held = (valid, last, want, f"value={value} k3={k3} avg={avg} act={act} six={six} shift={shift}")
        await ReadOnly()
        where = f"cycle {cycle}"
        got = dut.out_valid.value
        assert got.is_resolvable and int(got) == held[0], f"{where}: out_valid got {got} expected {held[0]}"
        if held[0]:
            data, flag = dut.out_data.value, dut.out_last.value
            assert data.is_resolvable and data.to_signed() == held[2], f"{where} ({held[3]}): out_data got {data} expected {held[2]}"
            assert flag.is_resolvable and int(flag) == held[1], f"{where}: out_last got {flag} expected {held[1]}"
        await FallingEdge(dut.clk)
