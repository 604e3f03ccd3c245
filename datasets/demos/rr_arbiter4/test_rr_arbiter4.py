"""cocotb test for rr_arbiter4: a rotating-priority model checked every cycle (grant is combinational, the
pointer moves on the clock), all-requesting fairness, single requesters, no requests, seeded random requests."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge, Timer


def arbitrate(req: int, ptr: int) -> int | None:
    for k in range(4):
        idx = (ptr + k) % 4
        if req >> idx & 1:
            return idx
    return None


@cocotb.test()
async def grants_round_robin(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.req.value = 1, 0
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(44)
    plan = [0xF] * 9 + [0x0, 0x1, 0x1, 0x8, 0x8, 0x5, 0x5, 0x5, 0xA, 0xA, 0xA, 0x0, 0x6, 0x9, 0x9, 0x3]
    plan += [rng.choice([rng.randint(0, 15), 0xF, 1 << rng.randint(0, 3)]) for _ in range(1000)]
    ptr = 0
    for cycle, req in enumerate(plan):
        dut.req.value = req
        await Timer(1, unit="ns")
        winner = arbitrate(req, ptr)
        want = {"grant": 0 if winner is None else 1 << winner, "grant_id": winner or 0, "any": int(winner is not None)}
        for name, value in want.items():
            got = int(getattr(dut, name).value)
            assert got == value, f"cycle {cycle} (req={req:04b} priority starts at {ptr}): {name} got {got} expected {value}"
        if winner is not None:
            ptr = (winner + 1) % 4
        await FallingEdge(dut.clk)


@cocotb.test()
async def reset_restores_priority_to_zero(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value, dut.req.value = 0, 0x1
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    await FallingEdge(dut.clk)
    dut.rst.value, dut.req.value = 0, 0xF
    await Timer(1, unit="ns")
    got = int(dut.grant.value)
    assert got == 0x1, f"after reset: grant got {got:04b} expected 0001"
