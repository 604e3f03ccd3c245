"""Unit test for ws_opbuf (a submodule of sys_systolic_ws's reference): tiles written with gaps fill the two
banks in turn; a full bank is read back word for word (one cycle after its address) and handed back; writes
stop while both banks are full and after the job's last tile."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge


async def read_bank(dut, bank, words, label):
    for addr, want in enumerate(words):
        dut.rd_bank.value, dut.rd_addr.value = bank, addr
        await FallingEdge(dut.clk)
        await ReadOnly()
        got = int(dut.rd_data.value)
        assert got == want, f"{label}: bank {bank} word {addr} got {got:#x} expected {want:#x}"
        await FallingEdge(dut.clk)


@cocotb.test()
async def banks_fill_and_drain_in_turn(dut):
    rng = random.Random(4412)
    for name in ("start", "tile_words", "tiles", "wr_valid", "wr_data", "rd_bank", "rd_addr", "free_bank"):
        getattr(dut, name).value = 0
    dut.rst.value = 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await ReadOnly()
    assert int(dut.wr_ready.value) == 0 and int(dut.full.value) == 0, "after reset: wr_ready and full must be 0"
    await FallingEdge(dut.clk)
    for job, (words, tiles) in enumerate([(6, 3), (36, 2), (5, 4)]):
        dut.start.value, dut.tile_words.value, dut.tiles.value = 1, words, tiles
        await FallingEdge(dut.clk)
        dut.start.value = 0
        data = [[rng.getrandbits(32) for _ in range(words)] for _ in range(tiles)]
        bank = 0
        for t in range(tiles):
            pending = list(data[t])
            while pending:
                dut.wr_valid.value, dut.wr_data.value = int(rng.random() < 0.7), pending[0]
                await ReadOnly()
                if int(dut.wr_valid.value):
                    assert int(dut.wr_ready.value), f"job {job} tile {t}: wr_ready got 0 expected 1 (bank {bank} is free)"
                    pending.pop(0)
                await FallingEdge(dut.clk)
            dut.wr_valid.value = 0
            await ReadOnly()
            full = int(dut.full.value)
            assert full >> bank & 1, f"job {job} tile {t}: full[{bank}] got 0 expected 1"
            if t + 1 < tiles and t % 2 == 1:  # both banks full: writes must wait
                assert full == 3 and not int(dut.wr_ready.value), f"job {job}: both banks full, wr_ready must be 0"
            await FallingEdge(dut.clk)
            if t % 2 == 1 or t + 1 == tiles:  # drain what is full, oldest first
                for done in range(t - (t % 2), t + 1):
                    await read_bank(dut, done % 2, data[done], f"job {job} tile {done}")
                    dut.rd_bank.value, dut.free_bank.value = done % 2, 1
                    await FallingEdge(dut.clk)
                    dut.free_bank.value = 0
                    await ReadOnly()
                    assert not (int(dut.full.value) >> (done % 2) & 1), f"job {job} tile {done}: bank not freed"
                    await FallingEdge(dut.clk)
            bank ^= 1
        await ReadOnly()
        assert int(dut.wr_ready.value) == 0, f"job {job}: after the last tile wr_ready got 1 expected 0"
        await FallingEdge(dut.clk)
