

# ---- aigchip: the system test's traffic at this module's boundary, replayed ------------------------------
# Written by the accelerator flow when this module's outputs differed from its cycle model inside the whole
# design: the inputs it received there, cycle by cycle, and the outputs its model gives for them. The data
# is in replay_boundary.json beside this file.

import json as _aigchip_json
from pathlib import Path as _AigchipPath

import cocotb as _aigchip_cocotb
from cocotb.triggers import Timer as _AigchipTimer


@_aigchip_cocotb.test()
async def aigchip_replay_system_traffic(dut):
    data = _aigchip_json.loads((_AigchipPath(__file__).parent / "replay_boundary.json").read_text())
    clock = data["clock"]
    if clock:
        getattr(dut, clock).value = 0
    for cycle, (given, expected) in enumerate(zip(data["inputs"], data["expected"])):
        for name, value in given.items():
            getattr(dut, name).value = value
        await _AigchipTimer(4, unit="ns")
        for name, want in expected.items():
            got = getattr(dut, name).value
            got = int(got) if got.is_resolvable else str(got)
            assert got == want, (f"replayed system traffic, cycle {cycle} of {len(data['inputs'])} "
                                 f"(system cycle {data['first_cycle'] + cycle}): {name} got {got}, expected {want} "
                                 f"with inputs {given}")
        if clock:
            getattr(dut, clock).value = 1
            await _AigchipTimer(5, unit="ns")
            getattr(dut, clock).value = 0
        await _AigchipTimer(1, unit="ns")
