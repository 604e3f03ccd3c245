"""System test for sys_systolic_ws: int8 matrix products C = A x B streamed in tile by tile, checked against a
pure-Python model on the valid/ready output stream (any latency), with seeded random input gaps and output
back-pressure, a reset in the middle of a job, and words offered while idle (they must not be taken)."""

import json
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

STALL_LIMIT = 400  # cycles without any transfer before the test calls it a hang


def golden(a, b):
    """C[m][n] = sum_k A[m][k] * B[k][n], exact (int32 never overflows for K <= 16)."""
    return [[sum(a[m][k] * b[k][n] for k in range(len(b))) for n in range(len(b[0]))] for m in range(len(a))]


def pack(values, bits):
    word = 0
    for lane, v in enumerate(values):
        word |= (v & ((1 << bits) - 1)) << (bits * lane)
    return word


def words_in(a, b, kt, nt):
    """The input stream: per (nt, kt) tile, four weight rows B[4kt+r][4nt:4nt+4], then M rows A[m][4kt:4kt+4]."""
    words = []
    for n in range(nt):
        for k in range(kt):
            words += [pack(b[4 * k + r][4 * n:4 * n + 4], 8) for r in range(4)]
            words += [pack(row[4 * k:4 * k + 4], 8) for row in a]
    return words


def words_out(c, nt):
    """The output stream: per column tile nt, rows m of C[m][4nt:4nt+4] as (label, four lanes)."""
    return [(f"C[{m}][{4 * n}..{4 * n + 3}] (tile nt={n}, row m={m})", c[m][4 * n:4 * n + 4])
            for n in range(nt) for m in range(len(c))]


def make_job(rng, m, kt, nt, style="random"):
    def value():
        if style == "extreme":
            return rng.choice([-128, 127])
        return rng.choice([-128, 127, 0, 1, -1, rng.randint(-128, 127), rng.randint(-128, 127)])
    a = [[value() for _ in range(4 * kt)] for _ in range(m)]
    b = [[value() for _ in range(4 * nt)] for _ in range(4 * kt)]
    return {"m": m, "kt": kt, "nt": nt, "in": words_in(a, b, kt, nt), "out": words_out(golden(a, b), nt)}


def lanes(value, bits=32):
    word = int(value)
    return [((word >> (bits * i)) & ((1 << bits) - 1)) - ((word >> (bits * i + bits - 1)) & 1) * (1 << bits)
            for i in range(4)]


def resolved(dut, name):
    value = getattr(dut, name).value
    assert value.is_resolvable, f"{name} is {value} (X/Z) after reset"
    return int(value)


async def start(dut):
    """Reset held from time 0, clock starting low: the first rising edge already sees rst."""
    dut.rst.value = 1
    dut.cmd_valid.value, dut.cmd_m.value, dut.cmd_kt.value, dut.cmd_nt.value = 0, 0, 0, 0
    dut.in_valid.value, dut.in_data.value, dut.out_ready.value = 0, 0, 0
    Clock(dut.clk, 10, unit="ns").start(start_high=False)
    for _ in range(3):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await check_idle(dut, "after reset")


async def check_idle(dut, where):
    await ReadOnly()
    for name, want in (("busy", 0), ("out_valid", 0), ("cmd_ready", 1), ("in_ready", 0)):
        got = resolved(dut, name)
        assert got == want, f"{where}: {name} got {got} expected {want}"
    await FallingEdge(dut.clk)


async def run_jobs(dut, jobs, rng, p_gap, p_stall, label, words_before_reset=None):
    """Drive the jobs one after another through cmd/in/out and score the results; returns the cycles each
    job took (command accepted to last result accepted). With words_before_reset, return as soon as that
    many words of the first job went in."""
    cycles, taken = [], 0
    for j, job in enumerate(jobs):
        inputs, expected = list(job["in"]), list(job["out"])
        dut.cmd_m.value, dut.cmd_kt.value, dut.cmd_nt.value = job["m"], job["kt"], job["nt"]
        accepted_at, cycle, idle, offered = None, 0, 0, False
        hold_command = rng.randint(0, 3)  # the first word is offered while the unit idles without a command
        while expected:
            # drive at the falling edge; a word stays offered until it is taken (offered even before the
            # command is accepted: it must not be taken then)
            if not offered and inputs and rng.random() >= p_gap:
                dut.in_data.value, offered = inputs[0], True
            dut.in_valid.value = int(offered)
            dut.cmd_valid.value = int(accepted_at is None and cycle >= hold_command)
            dut.out_ready.value = int(rng.random() >= p_stall)
            await ReadOnly()
            moved = False
            if accepted_at is None and int(dut.cmd_valid.value) and int(dut.cmd_ready.value):
                accepted_at, moved = cycle, True
            elif offered and int(dut.in_ready.value):
                assert accepted_at is not None, f"{label} job {j}: in_ready is 1 before the command was accepted"
            if offered and int(dut.in_ready.value):
                inputs.pop(0)
                offered, taken, moved = False, taken + 1, True
            if int(dut.out_valid.value) and int(dut.out_ready.value):
                score(dut, job, j, expected, label)
                moved = True
            idle = 0 if moved else idle + 1
            assert idle < STALL_LIMIT, (f"{label} job {j}: no transfer for {STALL_LIMIT} cycles "
                                        f"({len(inputs)} words still to send, {len(expected)} results still expected)")
            await RisingEdge(dut.clk)
            await FallingEdge(dut.clk)
            cycle += 1
            if words_before_reset is not None and taken >= words_before_reset:
                return cycles
        cycles.append(cycle - accepted_at)
    dut.cmd_valid.value, dut.in_valid.value = 0, 0
    return cycles


def score(dut, job, j, expected, label):
    where, want = expected.pop(0)
    assert dut.out_data.value.is_resolvable, f"{label} job {j}: {where}: out_data got X/Z expected {want}"
    got = lanes(dut.out_data.value)
    for lane in range(4):
        assert got[lane] == want[lane], (f"{label} job {j} (M={job['m']} KT={job['kt']} NT={job['nt']}): "
                                         f"{where} lane {lane}: got {got[lane]} expected {want[lane]}")
    last = int(dut.out_last.value)
    assert last == int(not expected), f"{label} job {j}: {where}: out_last got {last} expected {int(not expected)}"


def bound(m, kt, nt):
    """The spec's latency bound for a job fed and drained without pauses."""
    return (m + 4) + kt * nt * (m + 20) + nt * (m + 4) + 16


@cocotb.test()
async def products_under_gaps_and_back_pressure(dut):
    await start(dut)
    rng = random.Random(4401)
    shapes = [(1, 1, 1), (32, 4, 4), (5, 2, 3), (7, 1, 4), (16, 3, 1), (2, 4, 2)]
    jobs = [make_job(rng, *shape) for shape in shapes]
    jobs.append(make_job(rng, 9, 2, 2, style="extreme"))
    jobs += [make_job(rng, rng.randint(1, 32), rng.randint(1, 4), rng.randint(1, 4)) for _ in range(3)]
    await run_jobs(dut, jobs, rng, p_gap=0.3, p_stall=0.35, label="throttled")
    await check_idle(dut, "after the last job")


@cocotb.test()
async def unthrottled_jobs_meet_the_latency_bound(dut):
    await start(dut)
    rng = random.Random(4402)
    shapes = [(16, 2, 2), (32, 4, 4), (1, 1, 1)]
    cycles = await run_jobs(dut, [make_job(rng, *shape) for shape in shapes], rng, p_gap=0.0, p_stall=0.0,
                            label="unthrottled")
    for (m, kt, nt), took in zip(shapes, cycles):
        assert took <= bound(m, kt, nt), f"job M={m} KT={kt} NT={nt}: took {took} cycles, the bound is {bound(m, kt, nt)}"
    with open("cost.json", "w", encoding="utf-8") as f:  # the run folder; aigchip verify --keep keeps it
        json.dump({"cycles_per_job": cycles[0], "job": "C = A x B, A 16x8, B 8x8 int8 (M=16, KT=2, NT=2)",
                   "cycles": {f"M={m} KT={kt} NT={nt}": c for (m, kt, nt), c in zip(shapes, cycles)}}, f)
    dut._log.info("cycles per job: %s", cycles)


@cocotb.test()
async def reset_in_the_middle_of_a_job_drops_it(dut):
    await start(dut)
    rng = random.Random(4403)
    await run_jobs(dut, [make_job(rng, 12, 3, 2)], rng, p_gap=0.2, p_stall=0.0, label="interrupted",
                   words_before_reset=40)
    dut.rst.value, dut.in_valid.value = 1, 1
    await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value, dut.in_valid.value = 0, 0
    await check_idle(dut, "after a reset in mid-job")
    await run_jobs(dut, [make_job(rng, 6, 2, 1), make_job(rng, 3, 1, 2)], rng, p_gap=0.2, p_stall=0.2,
                   label="after reset")
