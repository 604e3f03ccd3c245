"""cocotb unit test for sv_acc, the reference's accumulate stage (csr_spmv): sums restart on a row's first token,
a row's sum appears with y_valid after its end token (a first-and-end token alone gives its own product), nothing
moves on stalled cycles, and the 24-bit sum holds 255 products of 16384. Reset held from time 0, clock low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


@cocotb.test()
async def rows_accumulate(dut):
    dut.clk.value, dut.rst.value = 0, 1
    for name in ("adv", "mul_valid", "mul_first", "mul_end", "mul_last", "mul_prod"):
        getattr(dut, name).value = 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.y_valid.value) == 0, f"in reset: y_valid got {dut.y_valid.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1344)
    rows = [[16384] * 255, [0], [-16256, 5], [rng.randint(-16384, 16384) for _ in range(12)], [7]]
    rows += [[rng.choice((-16384, 16384, rng.randint(-16384, 16384))) for _ in range(rng.randint(1, 6))] for _ in range(20)]
    tokens = [(p, int(j == 0), int(j == len(row) - 1), int(i == len(rows) - 1), i)
              for i, row in enumerate(rows) for j, p in enumerate(row)]
    expected_valid, expected, total = 0, None, 0
    for cycle in range(3000):
        if not tokens and not expected_valid:
            break
        adv = int(rng.random() < 0.8)
        send = int(bool(tokens) and rng.random() < 0.8)
        token = tokens[0] if send else (rng.randint(-16384, 16384), rng.randint(0, 1), rng.randint(0, 1), 0, None)
        dut.adv.value, dut.mul_valid.value = adv, send
        dut.mul_prod.value, dut.mul_first.value, dut.mul_end.value, dut.mul_last.value = token[:4]
        await RisingEdge(dut.clk)
        if adv:
            expected_valid, expected = 0, None
            if send:
                total = (0 if token[1] else total) + token[0]
                if token[2]:
                    expected_valid, expected = 1, (total, token[3], token[4])
                tokens.pop(0)
        await ReadOnly()
        where = f"cycle {cycle}"
        got = dut.y_valid.value
        assert got.is_resolvable and int(got) == expected_valid, f"{where}: y_valid got {got} expected {expected_valid}"
        if expected_valid:
            data, last = dut.y_data.value.to_signed(), int(dut.y_last.value)
            assert data == expected[0], f"{where}: row {expected[2]} y_data got {data} expected {expected[0]}"
            assert last == expected[1], f"{where}: row {expected[2]} y_last got {last} expected {expected[1]}"
        await FallingEdge(dut.clk)
    assert not tokens, f"after 3000 cycles: {len(tokens)} tokens left, expected none"
