"""cocotb test for csr_block: reset values, directed write-1-to-clear and set-beats-clear cases, read-only
STATUS, ignored low address bits, interrupt masking, read-before-write on a combined access, and a random bus
model with a reset mid-run; rdata, ready, ctrl, cfg and irq checked on every cycle."""

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

CFG_RESET = 0x0004_0010
OUTS = ("rdata", "ready", "ctrl", "cfg", "irq")
NAMES = {0: "CTRL", 1: "CFG", 2: "STATUS", 3: "INTR"}


def check(dut, name: str, want: int, where: str) -> None:
    """Assert that output `name` equals `want`, naming the cycle, the signal, the value got and expected."""
    value = getattr(dut, name).value
    if not value.is_resolvable:
        raise AssertionError(f"{where}: {name} got {value} (X/Z) expected {want:#x}")
    got = int(value)
    assert got == want, f"{where}: {name} got {got:#x} expected {want:#x}"


class Model:
    def __init__(self) -> None:
        self.ctrl, self.cfg, self.intr, self.rdata, self.ready = 0, CFG_RESET, 0, 0, 0

    def edge(self, rst: int, addr: int, wdata: int, we: int, re: int, status: int, irq_set: int) -> None:
        if rst:
            self.__init__()
            return
        sel = addr >> 2
        if re:
            self.rdata = [self.ctrl, self.cfg, status, self.intr][sel]
        clear = wdata & 0xFF if we and sel == 3 else 0
        if we and sel == 0:
            self.ctrl = wdata
        if we and sel == 1:
            self.cfg = wdata
        self.intr = (self.intr & ~clear & 0xFF) | irq_set
        self.ready = we | re

    def outputs(self) -> dict[str, int]:
        return {"rdata": self.rdata, "ready": self.ready, "ctrl": self.ctrl, "cfg": self.cfg,
                "irq": int(bool(self.intr & self.ctrl & 0xFF))}


async def begin(dut) -> None:
    dut.rst.value, dut.addr.value, dut.wdata.value, dut.we.value, dut.re.value = 1, 0, 0, 0, 0
    dut.status_in.value, dut.irq_set.value = 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)  # low until 5 ns: reset is seen on the first edge
    await RisingEdge(dut.clk)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name, want in Model().outputs().items():
        check(dut, name, want, "in reset")
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run(dut, model: Model, cycles, label: str) -> None:
    """Drive (rst, addr, wdata, we, re, status_in, irq_set) per cycle and compare every output."""
    for n, (rst, addr, wdata, we, re, status, irq_set) in enumerate(cycles):
        dut.rst.value, dut.addr.value, dut.wdata.value, dut.we.value, dut.re.value = rst, addr, wdata, we, re
        dut.status_in.value, dut.irq_set.value = status, irq_set
        await RisingEdge(dut.clk)
        await ReadOnly()
        model.edge(rst, addr, wdata, we, re, status, irq_set)
        where = (f"{label} cycle {n} (rst={rst} addr={addr:#x} [{NAMES[addr >> 2]}] wdata={wdata:#010x} we={we} re={re}"
                 f" status_in={status:#x} irq_set={irq_set:#04x})")
        for name, want in model.outputs().items():
            check(dut, name, want, where)
        await FallingEdge(dut.clk)


def rd(addr: int, status: int = 0, irq_set: int = 0) -> tuple:
    return (0, addr, 0xDEADBEEF, 0, 1, status, irq_set)


def wr(addr: int, data: int, irq_set: int = 0, re: int = 0) -> tuple:
    return (0, addr, data, 1, re, 0x5555AAAA, irq_set)


IDLE = (0, 0, 0xFFFFFFFF, 0, 0, 0, 0)


@cocotb.test()
async def directed_register_behaviour(dut):
    await begin(dut)
    model = Model()
    cycles = [rd(0x0), rd(0x4), rd(0x8, status=0x12345678), rd(0xC), IDLE]         # reset values, STATUS live
    cycles += [wr(0x0, 0xA5A5_00FF), wr(0x4, 0x1357_9BDF), rd(0x0), rd(0x4), IDLE]   # RW registers
    cycles += [wr(0x8, 0xFFFF_FFFF), rd(0x8, status=0xCAFEF00D), rd(0x0), rd(0x4)]   # STATUS writes go nowhere
    cycles += [rd(0x1), rd(0x6), rd(0xB, status=0x0BADCAFE), wr(0x3, 0x0000_000F), rd(0x0)]  # addr[1:0] ignored
    cycles += [(0, 0, 0, 0, 0, 0, 0x81), IDLE, rd(0xC)]                                # set two flags: irq (enabled)
    cycles += [wr(0x0, 0x0000_0001), IDLE, wr(0x0, 0x0000_0080), wr(0x0, 0x0000_0000), wr(0x0, 0xFF)]  # masking
    cycles += [wr(0xC, 0x0000_0001), rd(0xC), wr(0xC, 0xFFFF_FF00), rd(0xC)]           # clear bit 0 only; 0s keep
    cycles += [wr(0xC, 0x0000_0080, irq_set=0x80), rd(0xC)]                            # set beats clear
    cycles += [wr(0xC, 0x0000_0080, irq_set=0x01), rd(0xC), IDLE]                      # clear 7 while setting 0
    cycles += [wr(0xC, 0xFF), wr(0xC, 0x0000_0000), rd(0xC)]                           # writing 0s clears nothing
    cycles += [wr(0x4, 0x1111_2222, re=1), rd(0x4), wr(0xC, 0xFF, irq_set=0x40, re=1), rd(0xC)]  # read-before-write
    cycles += [(1, 0x4, 0xFFFF_FFFF, 1, 1, 0, 0xFF), rd(0x4), rd(0x0), rd(0xC), IDLE]  # reset: set and write lose
    await run(dut, model, cycles, "directed")


@cocotb.test()
async def random_bus_traffic(dut):
    await begin(dut)
    rng = random.Random(2901)
    model = Model()
    cycles = []
    for n in range(600):
        we, re = int(rng.random() < 0.35), int(rng.random() < 0.45)
        data = rng.choice([0, 0xFFFFFFFF, rng.getrandbits(32), rng.getrandbits(8), 1 << rng.randrange(32)])
        irq_set = rng.getrandbits(8) if rng.random() < 0.2 else 0
        cycles.append((int(n == 300), rng.randrange(16), data, we, re, rng.getrandbits(32), irq_set))
    await run(dut, model, cycles, "random")
