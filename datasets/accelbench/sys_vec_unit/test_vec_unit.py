"""cocotb system test for vec_unit (AccelBench system tier): programs of commands (LOAD, STORE, ADD, SUB, MUL, MAC,
RELU, SPLAT, MAX, NOP and illegal opcodes) run against a Python model of the eight int16 x 8 vector registers; the
STORE stream is checked by a scoreboard, and the status outputs (retired count, idle, sticky err) against the model.
The command and load streams have seeded random gaps and junk on idle cycles, the store stream random back-pressure,
so any latency passes. Corners: saturation of every arithmetic op both ways, mul/mac shifts 0 and 15 with the
rounding term, -32768 * -32768, ties in MAX, ignored command bits, a destination that is also a source, the FIFO
full, full rate with a bound, a reset mid-program. Reset is held from time 0 with the clock starting low."""

import json
import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STALL_LIMIT = 200  # cycles without any handshake before the test calls it a hang
NOP, LOAD, STORE, ADD, SUB, MUL, MAC, RELU, SPLAT, MAX = range(10)
NAMES = {NOP: "nop", LOAD: "load", STORE: "store", ADD: "add", SUB: "sub", MUL: "mul", MAC: "mac", RELU: "relu",
         SPLAT: "splat", MAX: "max"}
LANES = 8


def sat(v: int) -> int:
    return max(-32768, min(32767, v))


def round_shift(p: int, shift: int) -> int:
    return (p + ((1 << (shift - 1)) if shift else 0)) >> shift


def encode(op: int, vd: int = 0, va: int = 0, vb: int = 0, imm: int = 0, junk: int = 0) -> int:
    """junk sets the unused bits 27, 23 and 19, which the unit must ignore."""
    return (op << 28) | (vd << 24) | (va << 20) | (vb << 16) | (imm & 0xFFFF) | (junk & 0x0888_0000)


class Machine:
    """The golden model: the register file, what each command reads from the load stream and writes to the store
    stream. A register never written since the start reads as None and is never used by the programs."""

    def __init__(self) -> None:
        self.regs: list[list[int] | None] = [None] * 8

    def run(self, cmd: int, loads: list[int]) -> list[int]:
        op, vd, va, vb = cmd >> 28, (cmd >> 24) & 7, (cmd >> 20) & 7, (cmd >> 16) & 7
        imm, shift = cmd & 0xFFFF, cmd & 15
        a, b, d = self.regs[va], self.regs[vb], self.regs[vd]
        if op == LOAD:
            self.regs[vd] = list(loads)
        elif op == STORE:
            return list(a)
        elif op == ADD:
            self.regs[vd] = [sat(x + y) for x, y in zip(a, b)]
        elif op == SUB:
            self.regs[vd] = [sat(x - y) for x, y in zip(a, b)]
        elif op == MUL:
            self.regs[vd] = [sat(round_shift(x * y, shift)) for x, y in zip(a, b)]
        elif op == MAC:
            self.regs[vd] = [sat(z + round_shift(x * y, shift)) for x, y, z in zip(a, b, d)]
        elif op == RELU:
            self.regs[vd] = [max(x, 0) for x in a]
        elif op == SPLAT:
            self.regs[vd] = [imm - 65536 if imm & 0x8000 else imm] * LANES
        elif op == MAX:
            self.regs[vd] = [max(x, y) for x, y in zip(a, b)]
        return []


def describe(cmd: int) -> str:
    op, vd, va, vb = cmd >> 28, (cmd >> 24) & 7, (cmd >> 20) & 7, (cmd >> 16) & 7
    name = NAMES.get(op, f"illegal op {op}")
    if op in (ADD, SUB, MAX):
        return f"{name} v{vd}, v{va}, v{vb}"
    if op in (MUL, MAC):
        return f"{name} v{vd}, v{va}, v{vb}, >>{cmd & 15}"
    return {LOAD: f"load v{vd}", STORE: f"store v{va}", RELU: f"relu v{vd}, v{va}",
            SPLAT: f"splat v{vd}, {cmd & 0xFFFF:#06x}"}.get(op, name)


class Source:
    """Drives one valid/ready input stream: items are dicts of port values; seeded random gaps, junk when idle."""

    def __init__(self, dut, prefix: str, junk: dict[str, tuple[int, int]], rng: random.Random, gap: float):
        self.valid, self.ready = getattr(dut, f"{prefix}_valid"), getattr(dut, f"{prefix}_ready")
        self.ports = {name: getattr(dut, name) for name in junk}
        self.junk, self.rng, self.gap = junk, rng, gap
        self.items, self.driving, self.accepted = deque(), False, 0

    def sample(self) -> bool:
        if self.driving and int(self.ready.value):
            self.items.popleft()
            self.driving, self.accepted = False, self.accepted + 1
            return True
        return False

    def drive(self) -> None:
        if not self.driving and self.items and self.rng.random() >= self.gap:
            for name, value in self.items[0].items():
                self.ports[name].value = value
            self.driving = True
        elif not self.driving:
            for name, (low, high) in self.junk.items():
                self.ports[name].value = self.rng.randint(low, high)
        self.valid.value = int(self.driving)


class Sink:
    """Checks one valid/ready output stream against expected (label, values) items, one value per port in
    `fields` (name, signed); random back-pressure. While valid is high and ready low, valid and data must hold."""

    def __init__(self, dut, prefix: str, fields: list[tuple[str, bool]], rng: random.Random, ready_p: float):
        self.valid, self.ready_port = getattr(dut, f"{prefix}_valid"), getattr(dut, f"{prefix}_ready")
        self.fields = [(name, getattr(dut, name), signed) for name, signed in fields]
        self.rng, self.ready_p = rng, ready_p
        self.expected, self.seen, self.stalled, self.ready = deque(), 0, None, 0

    def values(self, label: str, want: tuple) -> tuple:
        got = []
        for (name, port, signed), expected in zip(self.fields, want):
            value = port.value
            if not value.is_resolvable:
                raise AssertionError(f"{label}: {name} got {value} (X/Z) expected {expected}")
            got.append(value.to_signed() if signed else int(value))
        return tuple(got)

    def sample(self) -> bool:
        valid = self.valid.value
        if not valid.is_resolvable:
            raise AssertionError(f"output {self.seen}: {self.valid._name} got {valid} (X/Z) expected 0 or 1")
        if self.stalled is not None:
            label, held = self.stalled
            assert int(valid), f"{label}: {self.valid._name} got 0 expected 1 (dropped while ready was low)"
            now = self.values(label, held)
            for (name, _, _), got, want in zip(self.fields, now, held):
                assert got == want, f"{label}: {name} got {got} expected {want} (changed while ready was low)"
        self.stalled = None
        if not int(valid):
            return False
        if not self.expected:
            raise AssertionError(f"output {self.seen}: {self.valid._name} got 1 expected 0 (no output is due)")
        label, want = self.expected[0]
        got = self.values(label, want)
        if not self.ready:
            self.stalled = (label, got)
            return False
        for (name, _, _), g, w in zip(self.fields, got, want):
            assert g == w, f"{label}: {name} got {g} expected {w}"
        self.expected.popleft()
        self.seen += 1
        return True

    def drive(self) -> None:
        self.ready = int(self.rng.random() < self.ready_p)
        self.ready_port.value = self.ready


async def reset(dut, cycles: int = 2) -> None:
    dut.rst.value, dut.cmd_valid.value, dut.ld_valid.value, dut.st_ready.value = 1, 0, 0, 0
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    await ReadOnly()
    for name, want in (("cmd_ready", 1), ("ld_ready", 0), ("st_valid", 0), ("idle", 1), ("retired", 0), ("err", 0)):
        value = getattr(dut, name).value
        assert value.is_resolvable and int(value) == want, f"in reset: {name} got {value} expected {want}"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def start(dut) -> None:
    dut.clk.value, dut.rst.value = 0, 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await reset(dut)


def lane_values(rng: random.Random) -> list[int]:
    return [rng.choice((32767, -32768, -1, 0, 1, rng.randint(-32768, 32767), rng.randint(-300, 300))) for _ in range(LANES)]


def directed_program(rng: random.Random) -> list[tuple[int, list[int]]]:
    """(command, the 8 load values it takes) pairs: fill every register, then every op at its corners."""
    prog = [(encode(SPLAT, 0, imm=0x7FFF), []), (encode(SPLAT, 1, imm=0x8000), []), (encode(SPLAT, 2, imm=0xFFFF), []),
            (encode(LOAD, 3), [32767, -32768, 1, -1, 0, 181, -182, 255]), (encode(LOAD, 4), lane_values(rng)),
            (encode(LOAD, 5), [-32768, -32768, 32767, 32767, 100, -100, 3, -3]), (encode(SPLAT, 6, imm=3), []),
            (encode(SPLAT, 7, imm=0x0001, junk=-1), [])]
    prog += [(encode(STORE, va=v), []) for v in range(8)]
    prog += [
        (encode(ADD, 6, 0, 0), []), (encode(STORE, va=6), []),                # 32767 + 32767 saturates
        (encode(SUB, 6, 1, 0), []), (encode(STORE, va=6), []),                # -32768 - 32767 saturates
        (encode(ADD, 6, 3, 5), []), (encode(STORE, va=6), []),
        (encode(SUB, 6, 5, 3, junk=-1), []), (encode(STORE, va=6), []),
        (encode(MUL, 6, 1, 1, imm=0), []), (encode(STORE, va=6), []),         # -32768 * -32768 >> 0 saturates
        (encode(MUL, 6, 1, 1, imm=15), []), (encode(STORE, va=6), []),        # 2^30 >> 15 = 32768 saturates
        (encode(MUL, 6, 3, 5, imm=0xFFF1), []), (encode(STORE, va=6), []),    # shift 1, upper imm bits ignored
        (encode(MUL, 6, 3, 3, imm=8), []), (encode(STORE, va=6), []),
        (encode(MUL, 6, 5, 3, imm=15), []), (encode(STORE, va=6), []),
        (encode(SPLAT, 7, imm=0x7FF0), []), (encode(MAC, 7, 3, 3, imm=4), []), (encode(STORE, va=7), []),
        (encode(SPLAT, 7, imm=0x8010), []), (encode(MAC, 7, 5, 3, imm=2), []), (encode(STORE, va=7), []),
        (encode(MAC, 7, 4, 5, imm=0), []), (encode(STORE, va=7), []),
        (encode(MAC, 4, 4, 4, imm=7), []), (encode(STORE, va=4), []),         # destination is also both sources
        (encode(RELU, 6, 3), []), (encode(STORE, va=6), []), (encode(RELU, 5, 5), []), (encode(STORE, va=5), []),
        (encode(MAX, 6, 3, 5), []), (encode(STORE, va=6), []), (encode(MAX, 6, 5, 5), []), (encode(STORE, va=6), []),
        (encode(MAX, 6, 2, 3), []), (encode(STORE, va=6), []), (encode(NOP, junk=-1), []),
    ]
    return prog


def random_program(rng: random.Random, n: int) -> list[tuple[int, list[int]]]:
    prog = [(encode(LOAD, v), lane_values(rng)) for v in range(8)]
    for _ in range(n):
        op = rng.choice((LOAD, STORE, STORE, ADD, SUB, MUL, MAC, RELU, SPLAT, MAX))
        vd, va, vb = rng.randint(0, 7), rng.randint(0, 7), rng.randint(0, 7)
        imm = rng.randint(0, 15) | (rng.randint(0, 4095) << 4) if op in (MUL, MAC) else rng.choice(
            (0x7FFF, 0x8000, rng.randint(0, 0xFFFF)))
        prog.append((encode(op, vd, va, vb, imm, junk=rng.randint(0, 1) * -1), lane_values(rng) if op == LOAD else []))
    prog += [(encode(STORE, va=v), []) for v in range(8)]
    return prog


async def run(dut, machine: Machine, program: list[tuple[int, list[int]]], rng: random.Random, gap: float,
              ready_p: float, retired_before: int = 0, err_after: int | None = None,
              stop_after_commands: int | None = None) -> tuple[int, int]:
    """Run a program; returns (cycle its first command was taken, cycle the unit was idle after the last).
    err_after: index of the first illegal command (err must stay 0 until that command is taken)."""
    cmds = Source(dut, "cmd", {"cmd_data": (0, 2 ** 32 - 1)}, rng, gap)
    loads = Source(dut, "ld", {"ld_data": (-32768, 32767)}, rng, gap)
    sink = Sink(dut, "st", [("st_data", True), ("st_last", False)], rng, ready_p)
    for index, (cmd, data) in enumerate(program):
        cmds.items.append({"cmd_data": cmd})
        loads.items.extend({"ld_data": v} for v in data)
        out = machine.run(cmd, data)
        sink.expected.extend((f"command {index} ({describe(cmd)}) lane {lane}", (v, int(lane == LANES - 1)))
                             for lane, v in enumerate(out))
    first, cycle, idle, last_retired = None, 0, 0, retired_before
    while True:
        for stream in (cmds, loads, sink):
            stream.drive()
        await ReadOnly()  # the values the coming rising edge sees: handshakes are decided here
        cycle += 1
        retired, err, unit_idle = int(dut.retired.value), int(dut.err.value), int(dut.idle.value)
        where = f"cycle {cycle} ({cmds.accepted} commands taken)"
        assert last_retired <= retired <= retired_before + cmds.accepted, (
            f"{where}: retired got {retired} expected between {last_retired} and {retired_before + cmds.accepted}")
        last_retired = retired
        if err_after is None or cmds.accepted <= err_after:
            assert err == 0, f"{where}: err got {err} expected 0 (no illegal command taken yet)"
        if not (cmds.items or loads.items or sink.expected) and unit_idle:
            break
        moved = cmds.sample()
        if moved and first is None:
            first = cycle
        moved |= loads.sample()
        moved |= sink.sample()
        idle = 0 if moved else idle + 1
        if idle > STALL_LIMIT:
            raise AssertionError(f"no handshake for {STALL_LIMIT} cycles: {len(cmds.items)} commands, {len(loads.items)} "
                                 f"load values and {len(sink.expected)} store values pending (idle={unit_idle}); "
                                 f"next store due: {sink.expected[0][0] if sink.expected else 'none'}")
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        if stop_after_commands is not None and cmds.accepted >= stop_after_commands:
            dut.cmd_valid.value, dut.ld_valid.value = 0, 0
            return first, cycle
    want = retired_before + len(program)
    assert retired == want, f"{where}: retired got {retired} expected {want} (unit idle)"
    if err_after is not None:
        assert err == 1, f"{where}: err got {err} expected 1 (an illegal command was taken)"
    await FallingEdge(dut.clk)
    dut.cmd_valid.value, dut.ld_valid.value = 0, 0
    return first, cycle


@cocotb.test()
async def programs_run_with_gaps_and_back_pressure(dut):
    await start(dut)
    rng = random.Random(1351)
    machine = Machine()
    program = directed_program(rng) + random_program(rng, 24)
    await run(dut, machine, program, rng, gap=0.3, ready_p=0.6)
    illegal = [(encode(NOP), []), (encode(10, 1, 1, 1), []), (encode(ADD, 2, 0, 1), []), (encode(15, junk=-1), []),
               (encode(STORE, va=2), []), (encode(LOAD, 0), lane_values(rng)), (encode(STORE, va=0), [])]
    await run(dut, machine, illegal, rng, gap=0.3, ready_p=0.6, retired_before=len(program), err_after=1)


@cocotb.test()
async def full_rate_program_and_a_reset_mid_program(dut):
    """Streams always valid and ready: a program of C LOAD, STORE and arithmetic commands leaves the unit idle
    within 10 C + 10 cycles of its first command. Then a program cut by reset after 5 commands leaves a unit that
    is idle with retired = 0 and err = 0, and runs the next program."""
    await start(dut)
    rng = random.Random(1352)
    machine = Machine()
    program = random_program(rng, 20)
    first, done = await run(dut, machine, program, rng, gap=0.0, ready_p=1.0)
    cycles, bound = done - first + 1, 10 * len(program) + 10
    dut._log.info("program of %d commands: %d cycles from first command to idle", len(program), cycles)
    assert cycles <= bound, f"program of {len(program)} commands: cycles got {cycles} expected <= {bound}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"cycles_per_job": cycles, "job": f"a program of {len(program)} commands",
                   "commands": {NAMES[op]: sum(cmd >> 28 == op for cmd, _ in program) for op in NAMES}}, f)

    await run(dut, Machine(), random_program(rng, 6), rng, gap=0.2, ready_p=0.5, retired_before=len(program),
              stop_after_commands=5)
    await reset(dut)
    machine = Machine()
    await run(dut, machine, [(encode(SPLAT, 3, imm=0x1234), []), (encode(LOAD, 2), lane_values(rng)),
                             (encode(ADD, 1, 2, 3), []), (encode(STORE, va=1), [])], rng, gap=0.2, ready_p=0.7)
