"""cocotb test for topk_stream: streams of length 1..12 with gaps, ties (the earlier element must stay ahead),
displacement of the leader into second place, signed extremes, back-to-back streams, last-without-valid, and a
reset in the middle of a stream; every output checked on every cycle."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

OUTS = ("out_valid", "top1_value", "top1_index", "top2_value", "top2_index", "top2_valid")
SIGNED = {"top1_value", "top2_value"}


def check(dut, name: str, want: int, where: str) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if name in SIGNED else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


def top2(stream: list[tuple[int, int]]) -> dict[str, int]:
    """A stable sort by value, largest first: ties keep arrival order."""
    ranked = sorted(stream, key=lambda e: -e[0])
    out = {"out_valid": 1, "top1_value": ranked[0][0], "top1_index": ranked[0][1],
           "top2_value": 0, "top2_index": 0, "top2_valid": 0}
    if len(ranked) > 1:
        out.update(top2_value=ranked[1][0], top2_index=ranked[1][1], top2_valid=1)
    return out


class Model:
    def __init__(self) -> None:
        self.stream: list[tuple[int, int]] = []
        self.out = {name: 0 for name in OUTS}

    def edge(self, rst: int, valid: int, value: int, index: int, last: int) -> None:
        if rst:
            self.__init__()
            return
        self.out["out_valid"] = 0
        if valid:
            self.stream.append((value, index))
            if last:
                self.out = top2(self.stream)
                self.stream = []


def streams(rng: random.Random) -> list[list[tuple[int, int]]]:
    s = [
        [(10, 1)],                                            # one element: no second place
        [(-32768, 7)],
        [(5, 0), (5, 1)],                                     # tie: earlier first
        [(5, 0), (9, 1), (5, 2)],                             # leader displaced, tie with it for second
        [(1, 10), (2, 11), (3, 12), (4, 13)],                 # ascending: each new element displaces the leader
        [(4, 20), (3, 21), (2, 22), (1, 23)],                 # descending
        [(-1, 30), (-32768, 31), (32767, 32), (-2, 33)],      # signed extremes
        [(-5, 40), (-5, 41), (-5, 42)],                       # all equal
        [(0, 50), (7, 51), (7, 52), (7, 53)],                 # tie for first after a change
        [(-32768, 60), (-32768, 61)],
        [(100, 70), (50, 71), (75, 72), (60, 73)],            # a new second place between
        [(32767, 255), (32767, 0)],
    ]
    for _ in range(25):
        pool = [rng.randint(-32768, 32767) for _ in range(3)]
        s.append([(rng.choice(pool + [rng.randint(-32768, 32767), -32768, 32767]), rng.randrange(256))
                  for _ in range(rng.randint(1, 12))])
    return s


def schedule(rng: random.Random) -> list[tuple[int, int, int, int, int]]:
    """(rst, in_valid, in_value, in_index, in_last) per cycle."""
    cycles = []
    for n, stream in enumerate(streams(rng)):
        for k, (value, index) in enumerate(stream):
            while n % 3 == 2 and rng.random() < 0.4:  # gaps carry junk, sometimes with in_last high
                cycles.append((0, 0, rng.randint(-32768, 32767), rng.randrange(256), rng.randint(0, 1)))
            cycles.append((0, 1, value, index, int(k == len(stream) - 1)))
        if n == 6:  # a partial stream cut by reset: it must be forgotten
            cycles += [(0, 1, 32767, 99, 0), (0, 1, 32767, 98, 0), (1, 1, 0, 0, 0), (0, 0, 0, 0, 0),
                       (0, 1, -3, 1, 0), (0, 1, -4, 2, 1)]
    return cycles


@cocotb.test()
async def tracks_the_top_two_of_each_stream(dut):
    dut.rst.value, dut.in_valid.value, dut.in_value.value, dut.in_index.value, dut.in_last.value = 1, 0, 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name in OUTS:
        check(dut, name, 0, "in reset")
    await FallingEdge(dut.clk)
    model = Model()
    for cycle, (rst, valid, value, index, last) in enumerate(schedule(random.Random(2601))):
        dut.rst.value, dut.in_valid.value, dut.in_value.value = rst, valid, value
        dut.in_index.value, dut.in_last.value = index, last
        history = list(model.stream) + ([(value, index)] if valid and not rst else [])
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, valid, value, index, last)
        where = (f"cycle {cycle} (rst={rst} in_valid={valid} in_value={value} in_index={index} in_last={last};"
                 f" stream so far {history[-12:]})")
        for name in OUTS:
            check(dut, name, model.out[name], where)
        await FallingEdge(dut.clk)
