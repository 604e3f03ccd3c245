"""cocotb test for line_buffer3 (default W=8, DW=8): a Python model of the frame (row-major pixels after reset)
checked after every edge: out_valid exactly for the pixels of row 2 onwards, one cycle after each, with
out_col, top = pixel (r-2, c), mid = (r-1, c), bot = (r, c); random input bubbles, a long stream (rows beyond the
third, so the line stores must keep rotating), and resets in the middle of a row and early in the frame."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

W, DW = 8, 8


def val(sig, signed: bool = False):
    """The signal's value as an int, or its text (with X/Z in it) so a mismatch message shows it."""
    v = sig.value
    if not v.is_resolvable:
        return str(v)
    return v.to_signed() if signed else int(v)


class Frame:
    """Pixels accepted since the last reset, row-major."""

    def __init__(self) -> None:
        self.pixels: list[int] = []

    def accept(self, pix: int) -> tuple[int, int, int, int] | None:
        """Take the next pixel; return (col, top, mid, bot) when a column is due, else None."""
        n = len(self.pixels)
        self.pixels.append(pix)
        r, c = divmod(n, W)
        if r < 2:
            return None
        return c, self.pixels[n - 2 * W], self.pixels[n - W], pix


async def run(dut, rng: random.Random, frame: Frame, label: str, pixels: int, p_valid: float, cycle0: int) -> int:
    """Feed `pixels` accepted pixels with bubbles; check every cycle; returns the next cycle number."""
    cycle, fed = cycle0, 0
    while fed < pixels:
        valid = int(rng.random() < p_valid)
        pix = rng.getrandbits(DW)
        dut.in_valid.value, dut.in_pix.value = valid, pix
        want = frame.accept(pix) if valid else None
        fed += valid
        await RisingEdge(dut.clk)
        await ReadOnly()
        position = f"pixel {len(frame.pixels) - 1} = (row {(len(frame.pixels) - 1) // W}, col {(len(frame.pixels) - 1) % W})" if valid else "bubble"
        got_valid = val(dut.out_valid)
        assert got_valid == int(want is not None), \
            f"{label} cycle {cycle} ({position}): out_valid got {got_valid} expected {int(want is not None)}"
        if want is not None:
            for name, w in zip(("out_col", "top", "mid", "bot"), want):
                got = val(getattr(dut, name))
                assert got == w, f"{label} cycle {cycle} ({position}): {name} got {got} expected {w}"
        await FallingEdge(dut.clk)
        cycle += 1
    return cycle


async def reset(dut, label: str) -> None:
    dut.rst.value, dut.in_valid.value, dut.in_pix.value = 1, 1, 0x5A
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert val(dut.out_valid) == 0, f"{label}: out_valid got {val(dut.out_valid)} expected 0 in reset"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


@cocotb.test()
async def streams_columns_of_three_rows(dut):
    rng = random.Random(3333)
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await reset(dut, "start")
    cycle = await run(dut, rng, Frame(), "frame 1", 2 * W, 1.0, 0)       # the first two rows, back to back
    frame = Frame()
    await reset(dut, "restart")
    cycle = await run(dut, rng, frame, "frame 2", 9 * W, 0.7, cycle)     # nine rows with bubbles
    cycle = await run(dut, rng, frame, "frame 2 dense", 3 * W, 1.0, cycle)


@cocotb.test()
async def reset_in_mid_row_restarts_the_frame(dut):
    rng = random.Random(3334)
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await reset(dut, "start")
    cycle = 0
    for n, (before, after) in enumerate([(2 * W + 3, 3 * W + 1), (W - 3, 3 * W + 5), (4 * W + 5, 3 * W + 2), (1, 3 * W)]):
        cycle = await run(dut, rng, Frame(), f"before reset {n}", before, 0.8, cycle)
        await reset(dut, f"reset {n}")
        cycle = await run(dut, rng, Frame(), f"after reset {n}", after, 0.8, cycle)
        await reset(dut, f"reset {n}b")
