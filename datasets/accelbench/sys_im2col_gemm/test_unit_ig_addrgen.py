"""cocotb unit test for ig_addrgen, the reference's im2col address generator (im2col_gemm): after start, one patch
element per advancing cycle in (output row, output column, ky, kx, channel) order, each with its buffer address
(row * W + column), channel lane, padding flag, patch index and first/last/job-last flags, busy falling after
the job's last element; configurations over every kernel size, stride and padding. Reset held from time 0, clock
starting low."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

CONFIG = ("width", "height", "chans", "k", "stride", "pad")


def elements(cfg: dict) -> list[dict]:
    k, s, p, chans, width, height = cfg["k"], cfg["stride"], cfg["pad"], cfg["chans"], cfg["width"], cfg["height"]
    rows, cols = (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1
    out = []
    for oy in range(rows):
        for ox in range(cols):
            for ky in range(k):
                for kx in range(k):
                    for c in range(chans):
                        y, x = oy * s - p + ky, ox * s - p + kx
                        e = (ky * k + kx) * chans + c
                        out.append({"zero": int(not (0 <= y < height and 0 <= x < width)), "addr": y * width + x,
                                    "lane": c, "kidx": e, "first": int(e == 0), "last": int(e == k * k * chans - 1),
                                    "job_last": int(oy == rows - 1 and ox == cols - 1 and e == k * k * chans - 1),
                                    "where": f"output ({oy}, {ox}) ky={ky} kx={kx} c={c}"})
    return out


def read(dut, name: str, where: str) -> int:
    value = getattr(dut, name).value
    assert value.is_resolvable, f"{where}: {name} got {value} (X/Z) expected a number"
    return int(value)


def configs(rng: random.Random) -> list[dict]:
    fixed = [(5, 4, 2, 3, 1, 1), (1, 1, 1, 3, 1, 1), (16, 8, 1, 3, 2, 1), (7, 3, 3, 3, 2, 2), (6, 6, 4, 2, 3, 1),
             (8, 1, 2, 1, 3, 0), (1, 6, 1, 2, 1, 1), (4, 4, 4, 1, 1, 0)]
    found = [dict(zip(CONFIG, values)) for values in fixed]
    for _ in range(6):
        k = rng.randint(1, 3)
        pad = rng.randint(0, k - 1)
        found.append({"width": rng.randint(max(1, k - 2 * pad), 16), "height": rng.randint(max(1, k - 2 * pad), 8),
                      "chans": rng.randint(1, 4), "k": k, "stride": rng.randint(1, 3), "pad": pad})
    return found


@cocotb.test()
async def patches_are_walked_in_im2col_order(dut):
    dut.clk.value, dut.rst.value, dut.start.value, dut.adv.value = 0, 1, 0, 0
    for name in CONFIG:
        getattr(dut, name).value = 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert read(dut, "busy", "in reset") == 0, f"in reset: busy got {dut.busy.value} expected 0"
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    rng = random.Random(1811)
    for cfg in configs(rng):
        for name in CONFIG:
            getattr(dut, name).value = cfg[name]
        dut.start.value, dut.adv.value = 1, rng.randint(0, 1)
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        dut.start.value = 0
        todo = elements(cfg)
        label = "config " + " ".join(f"{n}={cfg[n]}" for n in CONFIG)
        index = 0
        while index < len(todo):
            want = todo[index]
            where = f"{label}, element {index} ({want['where']})"
            adv = int(rng.random() < 0.7)
            dut.adv.value = adv
            await ReadOnly()
            for name in ("busy", "valid"):
                assert read(dut, name, where) == 1, f"{where}: {name} got {getattr(dut, name).value} expected 1"
            for name in ("zero", "lane", "kidx", "first", "last", "job_last") + (() if want["zero"] else ("addr",)):
                got = read(dut, name, where)
                assert got == want[name], f"{where}: {name} got {got} expected {want[name]}"
            await RisingEdge(dut.clk)
            index += adv
            await FallingEdge(dut.clk)
        await ReadOnly()
        assert read(dut, "busy", f"{label}, after the last element") == 0, \
            f"{label}, after the last element: busy got {dut.busy.value} expected 0"
        await FallingEdge(dut.clk)
        dut.adv.value = 1
        for _ in range(rng.randint(0, 2)):
            await RisingEdge(dut.clk)
            await ReadOnly()
            assert read(dut, "busy", f"{label}, idle") == 0, f"{label}, idle: busy got {dut.busy.value} expected 0"
            await FallingEdge(dut.clk)
