"""cocotb test for maxpool2x2 (W = 8): a raster-order image model, one pooled pixel per 2x2 block emitted the
cycle after the block's last pixel; every cycle checked through valid gaps, signed extremes (unsigned compares
fail), where the maximum sits in each of the four positions, several row pairs and a reset mid-row."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

W = 8


def check(dut, name: str, want: int, where: str, signed: bool = False) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want}")
    got = value.to_signed() if signed else int(value)
    assert got == want, f"{where}: {name} got {got} expected {want}"


class Model:
    def __init__(self) -> None:
        self.count = 0  # pixels accepted since reset
        self.rows: dict[int, dict[int, int]] = {}
        self.out_valid, self.out_data, self.block = 0, 0, "none yet"

    def edge(self, rst: int, valid: int, pixel: int) -> None:
        if rst:
            self.__init__()
            return
        self.out_valid = 0
        if valid:
            r, c = divmod(self.count, W)
            self.rows.setdefault(r, {})[c] = pixel
            self.count += 1
            if r % 2 == 1 and c % 2 == 1:
                block = [self.rows[r - 1][c - 1], self.rows[r - 1][c], self.rows[r][c - 1], self.rows[r][c]]
                self.out_valid, self.out_data = 1, max(block)
                self.block = f"block rows {r - 1}-{r} cols {c - 1}-{c} = {block}"
            self.rows.pop(r - 2, None)


async def start(dut) -> None:
    dut.rst.value, dut.in_valid.value, dut.in_data.value = 1, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    check(dut, "out_valid", 0, "in reset")
    check(dut, "out_data", 0, "in reset", signed=True)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def image_rows(rng: random.Random) -> list[list[int]]:
    rows = []
    # row pair 0: the maximum of each block in a different position, with signed extremes
    rows.append([127, -128, -128, 127, -128, -128, -1, -2])
    rows.append([-128, -128, -128, -128, 127, -128, -3, -4])
    # row pair 1: all negative (an unsigned compare picks -128), and a block of equal values
    rows.append([-5, -128, -100, -90, -128, -128, 0, 0])
    rows.append([-7, -6, -80, -128, -128, -128, 0, 0])
    # row pair 2: ascending / descending ramps
    rows.append([1, 2, 3, 4, 5, 6, 7, 8])
    rows.append([16, 15, 14, 13, 12, 11, 10, 9])
    for _ in range(6):
        rows.append([rng.choice([-128, 127, rng.randint(-128, 127), rng.randint(-128, 127)]) for _ in range(W)])
    return rows


async def stream(dut, model: Model, pixels: list[tuple[int, int, int]], label: str, start_cycle: int = 0) -> int:
    cycle = start_cycle
    for rst, valid, pixel in pixels:
        dut.rst.value, dut.in_valid.value, dut.in_data.value = rst, valid, pixel
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, valid, pixel)
        where = f"{label} cycle {cycle} (rst={rst} in_valid={valid} in_data={pixel}; last emitted block: {model.block})"
        check(dut, "out_valid", model.out_valid, where)
        check(dut, "out_data", model.out_data, where, signed=True)
        await FallingEdge(dut.clk)
        cycle += 1
    return cycle


@cocotb.test()
async def pools_a_stream_with_gaps(dut):
    await start(dut)
    rng = random.Random(2301)
    model = Model()
    pixels = []
    for n, row in enumerate(image_rows(rng)):
        for p in row:
            if n >= 2:  # the first row pair streams back-to-back, the rest with gaps carrying junk
                while rng.random() < 0.3:
                    pixels.append((0, 0, rng.randint(-128, 127)))
            pixels.append((0, 1, p))
    await stream(dut, model, pixels, "image")


@cocotb.test()
async def reset_mid_row_restarts_at_row_0_col_0(dut):
    await start(dut)
    rng = random.Random(2302)
    model = Model()
    pixels = [(0, 1, rng.randint(-128, 127)) for _ in range(W + 3)]  # into the lower row of the first pair
    pixels.append((1, 1, 127))                                         # reset: this pixel is dropped
    pixels += [(0, 1, v) for v in [-9] * W + [-10, 100, -11, -12, -13, -14, 50, -15]]
    pixels += [(0, 1, rng.randint(-128, 127)) for _ in range(4 * W)]
    await stream(dut, model, pixels, "reset")
