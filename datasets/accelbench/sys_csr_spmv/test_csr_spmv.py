"""cocotb system test for csr_spmv (AccelBench system tier): jobs of a dense int8 vector (1 to 32 entries) and a
CSR int8 matrix (row pointers, then (column, value) non-zeros), one int24 dot product per row out, checked against a
Python golden model by a scoreboard on the output stream. The three input streams have independent seeded random
gaps and junk on idle cycles, the output stream random back-pressure, so any latency passes. Corners: empty rows
(first, last, consecutive, a whole matrix of them), a row of 255 non-zeros of -128 * -128 (the accumulator's
range), a non-zero first pointer, repeated columns, vectors of 1 and 32 entries, back-to-back jobs, full rate with a
bound, resets mid-job. Reset is held from time 0 with the clock starting low."""

import json
import random
from collections import deque

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STALL_LIMIT = 200  # cycles without any handshake before the test calls it a hang


def golden(x: list[int], rows: list[list[tuple[int, int]]]) -> list[int]:
    return [sum(x[col] * val for col, val in row) for row in rows]


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
    dut.rst.value = 1
    dut.x_valid.value, dut.ptr_valid.value, dut.nz_valid.value, dut.y_ready.value = 0, 0, 0, 0
    for _ in range(cycles):
        await RisingEdge(dut.clk)
    await ReadOnly()
    for name, want in (("x_ready", 1), ("ptr_ready", 0), ("nz_ready", 0), ("y_valid", 0)):
        value = getattr(dut, name).value
        assert value.is_resolvable and int(value) == want, f"in reset: {name} got {value} expected {want}"
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def start(dut) -> None:
    dut.clk.value, dut.rst.value = 0, 1
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    await reset(dut)


Job = tuple[list[int], list[list[tuple[int, int]]], int]  # vector, rows of (column, value), first pointer


def describe(job: Job) -> str:
    x, rows, base = job
    return f"{len(rows)}x{len(x)} nnz={sum(map(len, rows))}" + (f" base={base}" if base else "")


async def run(dut, jobs: list[Job], rng: random.Random, gap: float, ready_p: float, first: int = 0,
              stop_after: tuple[str, int] | None = None) -> list[tuple[int, int]]:
    """Stream the jobs through; returns per job (cycle of its first vector entry, cycle of its last output).
    stop_after: (stream, count) stops the run once that many items of the x, ptr or nz stream are taken, or
    ("held", count) once a result is held by back-pressure after count results were taken."""
    xs = Source(dut, "x", {"x_data": (-128, 127), "x_last": (0, 1)}, rng, gap)
    ptrs = Source(dut, "ptr", {"ptr_data": (0, 255), "ptr_last": (0, 1)}, rng, gap)
    nzs = Source(dut, "nz", {"nz_col": (0, 31), "nz_val": (-128, 127)}, rng, gap)
    sink = Sink(dut, "y", [("y_data", True), ("y_last", False)], rng, ready_p)
    starts, ends = [], []
    for n, (x, rows, base) in enumerate(jobs, start=first):
        starts.append(xs.accepted + len(xs.items))
        xs.items.extend({"x_data": v, "x_last": int(i == len(x) - 1)} for i, v in enumerate(x))
        pointers = [base]
        for row in rows:
            pointers.append(pointers[-1] + len(row))
        ptrs.items.extend({"ptr_data": p, "ptr_last": int(i == len(rows))} for i, p in enumerate(pointers))
        nzs.items.extend({"nz_col": col, "nz_val": val} for row in rows for col, val in row)
        want = golden(x, rows)
        sink.expected.extend((f"job {n} ({describe((x, rows, base))}) row {i} ({len(rows[i])} non-zeros)",
                              (y, int(i == len(want) - 1))) for i, y in enumerate(want))
        ends.append(len(sink.expected))
    begin, finish, cycle, idle = {}, [], 0, 0
    while sink.expected or xs.items or ptrs.items or nzs.items:
        for stream in (xs, ptrs, nzs, sink):
            stream.drive()
        await ReadOnly()  # the values the coming rising edge sees: handshakes are decided here
        cycle += 1
        before = xs.accepted
        moved = xs.sample()
        if moved and before in starts:
            begin[before] = cycle
        moved |= ptrs.sample()
        moved |= nzs.sample()
        if sink.sample():
            moved = True
            if sink.seen in ends:
                finish.append(cycle)
        idle = 0 if moved else idle + 1
        if idle > STALL_LIMIT:
            raise AssertionError(f"no handshake for {STALL_LIMIT} cycles: {len(xs.items)} vector entries, "
                                 f"{len(ptrs.items)} pointers, {len(nzs.items)} non-zeros and {len(sink.expected)} "
                                 f"outputs pending; next output due: {sink.expected[0][0] if sink.expected else 'none'}")
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        if stop_after is not None and stop_after[0] == "held":
            if sink.stalled is not None and sink.seen >= stop_after[1]:
                break  # a result is valid and held by back-pressure
        elif stop_after is not None and {"x": xs, "ptr": ptrs, "nz": nzs}[stop_after[0]].accepted >= stop_after[1]:
            break
    dut.x_valid.value, dut.ptr_valid.value, dut.nz_valid.value = 0, 0, 0
    return [(begin[s], f) for s, f in zip(starts, finish)]


def random_job(rng: random.Random, n_rows: int, n_cols: int, density: float, base: int = 0) -> Job:
    x = [rng.choice((-128, 127, rng.randint(-128, 127))) for _ in range(n_cols)]
    rows = [[(col, rng.choice((-128, 127, rng.randint(-128, 127)))) for col in range(n_cols) if rng.random() < density]
            for _ in range(n_rows)]
    return x, rows, base


def directed_jobs(rng: random.Random) -> list[Job]:
    jobs = [
        ([5], [[]], 0),                                              # one empty row
        ([7, -3], [[], [], []], 0),                                  # only empty rows
        ([-128] * 32, [[(c, -128) for c in range(32)], [], [(31, 127), (0, -128)]], 0),
        ([1, -1, 2], [[(2, 9), (2, 9), (0, -4)], [(1, 127)]], 250 - 4),  # repeated column, pointers up to 250
        ([-128], [[(0, -128)] * 255], 0),                            # 255 non-zeros in one row
        ([3, 4, 5, 6], [[], [(3, 1)], [], [], [(0, 2), (1, 3)], []], 17),
    ]
    jobs.append(random_job(rng, 8, 32, 0.25))
    jobs.append(random_job(rng, 12, 9, 0.5, base=3))
    jobs.append(random_job(rng, 5, 1, 0.6))
    jobs.append(random_job(rng, 16, 16, 0.15))
    return jobs


@cocotb.test()
async def jobs_stream_through_with_gaps_and_back_pressure(dut):
    await start(dut)
    rng = random.Random(1341)
    await run(dut, directed_jobs(rng), rng, gap=0.3, ready_p=0.6)


@cocotb.test()
async def full_rate_jobs_and_a_reset_mid_job(dut):
    """Inputs always valid, output always ready: a job of V vector entries, R rows and Z non-zeros takes at most
    V + R + Z + 12 cycles from its first vector entry to its last output. Then jobs cut by reset after 6 non-zeros,
    after 5 vector entries and while a result is held by back-pressure leave nothing behind."""
    await start(dut)
    rng = random.Random(1342)
    jobs = [random_job(rng, 8, 32, 0.3), random_job(rng, 10, 8, 0.4), ([9, 9], [[], [(1, 3)], []], 0)]
    marks = await run(dut, jobs, rng, gap=0.0, ready_p=1.0)
    for n, (job, (begin, end)) in enumerate(zip(jobs, marks)):
        x, rows, _ = job
        cycles, bound = end - begin + 1, len(x) + len(rows) + sum(map(len, rows)) + 12
        dut._log.info("job %d (%s): %d cycles from first vector entry to last output", n, describe(job), cycles)
        assert cycles <= bound, f"job {n} ({describe(job)}): cycles got {cycles} expected <= {bound}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"cycles_per_job": marks[0][1] - marks[0][0] + 1, "job": describe(jobs[0]),
                   "cycles": {describe(job): end - begin + 1 for job, (begin, end) in zip(jobs, marks)}}, f)

    await run(dut, [random_job(rng, 6, 12, 0.5)], rng, gap=0.2, ready_p=0.5, first=3, stop_after=("nz", 6))
    await reset(dut)
    await run(dut, [random_job(rng, 4, 5, 0.5)], rng, gap=0.2, ready_p=0.7, first=4)
    await run(dut, [random_job(rng, 3, 9, 0.5)], rng, gap=0.2, ready_p=0.5, first=5, stop_after=("x", 5))
    await reset(dut)
    await run(dut, [random_job(rng, 4, 6, 0.5), ([2], [[(0, 3)], []], 0)], rng, gap=0.2, ready_p=0.7, first=6)
    await run(dut, [random_job(rng, 8, 6, 0.5)], rng, gap=0.0, ready_p=0.3, first=8, stop_after=("held", 2))
    await reset(dut)  # cut while a result is held by back-pressure: y_valid must fall in reset
    await run(dut, [random_job(rng, 3, 4, 0.5)], rng, gap=0.2, ready_p=0.7, first=9)
