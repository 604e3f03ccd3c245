"""cocotb unit test for pa_window, the reference's window registers and reduction (pool_act): columns shifted in
on fire, the k x k maximum or sum of the window registered one advancing edge after the window completes, the
valid and last flags moving only when the pipeline advances. Reset held from time 0, clock starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


def reduce(window: list[list[int]], k3: int, avg: int) -> int:
    cells = [window[r][c] for r in range(3) for c in range(3)] if k3 else [window[r][c] for r in (1, 2) for c in (1, 2)]
    return sum(cells) if avg else max(cells)


def read(dut, name: str, where: str, signed: bool = False) -> int:
    value = getattr(dut, name).value
    assert value.is_resolvable, f"{where}: {name} got {value} (X/Z) expected a number"
    return value.to_signed() if signed else int(value)


@cocotb.test()
async def windows_reduce_to_max_and_sum(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in ("adv", "fire", "hit", "hit_last", "k3", "avg", "top", "mid", "bot"):
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1311)
    window = [[0] * 3 for _ in range(3)]
    win = (0, 0, None)  # valid, last, what
    red = (0, 0, None, "")
    for cycle in range(600):
        adv = int(rng.random() < 0.75)
        fire = adv and int(rng.random() < 0.8)
        hit, last = int(rng.random() < 0.5), int(rng.random() < 0.3)
        k3, avg = (cycle // 150) % 2, (cycle // 75) % 2
        column = [rng.choice((-128, 127, rng.randint(-128, 127))) for _ in range(3)]
        for name, value in zip(("adv", "fire", "hit", "hit_last", "k3", "avg", "top", "mid", "bot"),
                               (adv, fire, hit, last, k3, avg, *column)):
            getattr(dut, name).value = value
        await RisingEdge(dut.clk)
        if adv:
            want = reduce(window, k3, avg) if win[0] else None
            red = (win[0], win[1], want, f"window {window} k3={k3} avg={avg}")
            win = (int(fire and hit), last, None)
        if fire:
            for r in range(3):
                window[r] = window[r][1:] + [column[r]]
        await ReadOnly()
        where = f"cycle {cycle}"
        assert read(dut, "win_valid", where) == win[0], f"{where}: win_valid got {dut.win_valid.value} expected {win[0]}"
        assert read(dut, "red_valid", where) == red[0], f"{where}: red_valid got {dut.red_valid.value} expected {red[0]}"
        if red[0]:
            got = read(dut, "red_value", where, signed=True)
            assert got == red[2], f"{where} ({red[3]}): red_value got {got} expected {red[2]}"
            got = read(dut, "red_last", where)
            assert got == red[1], f"{where}: red_last got {got} expected {red[1]}"
        await FallingEdge(dut.clk)
