"""Issue 12, part B: hostile designs that try to forge the verdict end classified and not passing, through
`verify`, `generate` (a scripted model over loopback HTTP) and `eval`, on Icarus and Verilator."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aigchip.sim import Design, Status, VerifyOptions, verify
from aigchip.sim.types import Verdict

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = FIXTURES / "hostile"
VERILOG_EVAL = FIXTURES / "bench" / "verilog_eval"
COUNTER8 = FIXTURES / "bench" / "rtllm" / "Control" / "Counter" / "counter8"

# attack 1: a never-compiled decoy module named like the testbench, and a force into the real one
DECOY_FORCE = {
    "verilog_eval": (Design(files={"TopModule.sv": (HOSTILE / "count4_decoy_force.sv").read_text()}, top="TopModule"),
                     dict(testbench=(VERILOG_EVAL / "Prob002_count4_test.sv",),
                          reference=VERILOG_EVAL / "Prob002_count4_ref.sv")),
    "rtllm": (Design(files={"counter8.v": (HOSTILE / "counter8_decoy_force.v").read_text()}, top="counter8"),
              dict(testbench=(COUNTER8 / "testbench.v",))),
}
SIMULATORS = [("icarus", True), ("verilator", True), ("verilator", False)]  # (simulator, lint)


@pytest.mark.parametrize("bench", sorted(DECOY_FORCE))
@pytest.mark.parametrize("simulator, lint", SIMULATORS)
def test_decoy_testbench_module_does_not_let_a_force_through(bench, simulator, lint):
    design, checks = DECOY_FORCE[bench]
    verdict = verify(design, VerifyOptions(**checks, simulator=simulator, lint=lint))
    assert verdict.status is Status.POLICY_VIOLATION
    [refusal] = [d for d in verdict.diagnostics if d.code == "hierarchy"]
    assert refusal.line == 13 if bench == "verilog_eval" else refusal.line == 9
    assert "reach into the testbench" in refusal.message


# attack 2: a design whose outputs are all zero rewrites cocotb's results file (and results.xml, an
# outcome file) with a passing report in a `final` block, after cocotb wrote its own
@pytest.mark.sim
@pytest.mark.parametrize("simulator, lint", [("icarus", True), pytest.param("verilator", True, marks=pytest.mark.verilator),
                                             pytest.param("verilator", False, marks=pytest.mark.verilator)])
def test_design_rewriting_the_results_file_does_not_pass(simulator, lint, tmp_path):
    design = Design(files={"acc.v": (HOSTILE / "acc_rewrites_results.v").read_text()}, top="acc")
    verdict = verify(design, VerifyOptions(tests=FIXTURES / "cocotb" / "tb_acc.py", simulator=simulator, lint=lint,
                                           keep_dir=tmp_path))
    assert verdict.status is Status.MISMATCH, verdict.summary()
    assert (verdict.tests_total, verdict.tests_failed) == (2, 1)
    run_dir = Path(verdict.run_dir)
    assert (run_dir / "results.xml").is_file()  # the forgery was written, and ignored
    assert "accumulates_random_inputs" in (run_dir / "cocotb_results.xml").read_text()  # the real one, copied back
    assert "<failure" in (run_dir / "cocotb_results.xml").read_text()


@pytest.mark.sim
def test_python_the_design_writes_is_never_imported_by_the_tests(tmp_path):
    design = Design(files={"acc.v": (HOSTILE / "acc_plants_python.v").read_text()}, top="acc")
    verdict = verify(design, VerifyOptions(tests=HOSTILE / "test_acc_lazy_import.py", keep_dir=tmp_path, lint=False))
    run_dir = Path(verdict.run_dir)
    assert (run_dir / "colorsys.py").is_file()  # planted
    assert not (run_dir / "planted_python_ran").exists()  # but the standard module was imported
    assert verdict.status is Status.PASS, verdict.summary()


# attack 3: code that can write into the cache folder computes the final check's cache key and writes a PASS
@pytest.mark.sim
def test_a_forged_pass_in_the_verdict_cache_is_ignored(tmp_path):
    import json

    from aigchip.sim import cache, check, tools

    wrong = Design(files={"acc.v": (FIXTURES / "cocotb" / "acc_buggy.v").read_text()}, top="acc")
    options = VerifyOptions(tests=FIXTURES / "cocotb" / "tb_acc.py", lint=False)
    key = check._cache_key(wrong, options, check._toolchain(options))
    entry = tools.cache_root() / "verdicts" / key[:2] / f"{key}.json"
    entry.parent.mkdir(parents=True)
    forged = Verdict(status=Status.PASS, tests_total=2, tests_failed=0, checks=["policy", "cocotb"])
    entry.write_text(json.dumps({"verdict": forged.model_dump_json(), "mac": "f" * 64}))
    verdict = verify(wrong, options)
    assert verdict.status is Status.MISMATCH and not verdict.cached
    assert json.loads(entry.read_text())["mac"] != "f" * 64  # the real verdict replaced the forgery
    assert verify(wrong, options).cached  # and the cache still works for entries it wrote itself
    assert (tools.cache_root() / "verdicts" / cache.KEY_FILE).stat().st_mode & 0o777 == 0o600


# -- the same attacks through `generate` and `eval`, the model's replies served over loopback HTTP -------------

ACC = FIXTURES / "cocotb"
REPLIES = {  # a marker in the spec the model sees -> the hostile reply it gives
    "COUNT4": HOSTILE / "count4_decoy_force.sv",
    "COUNTER8": HOSTILE / "counter8_decoy_force.v",
    "ACCUMULATOR": HOSTILE / "acc_rewrites_results.v",
}
EXPECTED = {"COUNT4": "policy_violation", "COUNTER8": "policy_violation", "ACCUMULATOR": "mismatch"}
RUNS = [pytest.param("icarus", True, id="icarus"),
        pytest.param("verilator", True, id="verilator-lint", marks=pytest.mark.verilator),
        pytest.param("verilator", False, id="verilator-nolint", marks=pytest.mark.verilator)]


def hostile_model():
    from aigchip.loopback import Response

    def reply(body: dict) -> Response:
        asked = " ".join(str(m.get("content")) for m in body["messages"])
        marker = next(m for m in REPLIES if m in asked)
        return Response.text(f"Here it is.\n\n```verilog\n{REPLIES[marker].read_text()}\n```\n")

    return reply


def hostile_bench(root: Path) -> Path:
    """A native-layout benchmark: the VerilogEval and RTLLM testbenches of attack 1, the cocotb tests of attack 2."""
    import json
    import shutil

    tasks = {
        "count4": ("TopModule", "COUNT4: a 4-bit counter", {"test.sv": VERILOG_EVAL / "Prob002_count4_test.sv",
                                                            "ref.sv": VERILOG_EVAL / "Prob002_count4_ref.sv"},
                   {"testbench": "test.sv", "reference": "ref.sv"}),
        "counter8": ("counter8", "COUNTER8: an enabled 8-bit counter", {"testbench.v": COUNTER8 / "testbench.v"},
                     {"testbench": "testbench.v"}),
        "acc": ("acc", "ACCUMULATOR: an 8-bit accumulator", {"tb_acc.py": ACC / "tb_acc.py",
                                                              "acc_model.py": ACC / "acc_model.py"},
                {"tests": "tb_acc.py"}),
    }
    for name, (top, spec, files, roles) in tasks.items():
        folder = root / name
        folder.mkdir(parents=True)
        for target, source in files.items():
            shutil.copyfile(source, folder / target)
        (folder / "task.json").write_text(json.dumps({"id": name, "top": top, "spec": spec, **roles}))
    return root


def aigchip_cli(*args: str, tmp_path: Path, lint: bool) -> subprocess.CompletedProcess:
    import sys

    config = tmp_path / "aigchip.toml"
    config.write_text(f"[aigchip]\nlint = {'true' if lint else 'false'}\ndemos = 0\n")
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args, "--config", str(config)],
                          capture_output=True, text=True, timeout=900)


@pytest.mark.sim
@pytest.mark.parametrize("simulator, lint", RUNS)
def test_eval_scores_every_hostile_sample_as_failing(simulator, lint, tmp_path):
    import json

    from aigchip.loopback import Loopback

    bench = hostile_bench(tmp_path / "bench")
    with Loopback(handler=hostile_model(), model="loop") as server:
        ran = aigchip_cli("eval", str(bench), "--model", "loop", "--base-url", server.base_url, "-n", "1", "-k", "1",
                          "--max-iters", "1", "--sim", simulator, "--no-preflight", "--out", str(tmp_path / "out"),
                          "--json", tmp_path=tmp_path, lint=lint)
    assert ran.returncode == 0, ran.stderr[-3000:]
    summary = json.loads(ran.stdout)
    assert summary["pass_at_k"] == {"1": 0.0}
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    by_task = {row["task"]: row["status"] for row in rows}
    assert by_task == {"count4": "policy_violation", "counter8": "policy_violation", "acc": "mismatch"}


@pytest.mark.sim
@pytest.mark.parametrize("simulator, lint", RUNS)
@pytest.mark.parametrize("marker", sorted(REPLIES))
def test_generate_never_reports_a_hostile_design_as_passing(marker, simulator, lint, tmp_path):
    import json

    from aigchip.loopback import Loopback

    if marker == "ACCUMULATOR" and simulator == "verilator" and lint:
        pytest.skip("attack 2 does not depend on lint; the verify test covers Verilator with lint")
    bench = hostile_bench(tmp_path / "bench")
    folder = bench / {"COUNT4": "count4", "COUNTER8": "counter8", "ACCUMULATOR": "acc"}[marker]
    with Loopback(handler=hostile_model(), model="loop") as server:
        ran = aigchip_cli("generate", str(folder), "--model", "loop", "--base-url", server.base_url,
                          "--max-iters", "1", "--sim", simulator, "--out", str(tmp_path / "out"), "--json",
                          tmp_path=tmp_path, lint=lint)
    assert ran.returncode == 1, ran.stderr[-3000:]
    summary = json.loads(ran.stdout)
    assert summary["status"] == EXPECTED[marker]
    assert [a["status"] for a in summary["attempts"]] == [EXPECTED[marker]]


@pytest.mark.sim
@pytest.mark.parametrize("design, checks, expected", [
    (HOSTILE / "count4_decoy_force.sv", ["--tb", str(VERILOG_EVAL / "Prob002_count4_test.sv"),
                                         "--ref", str(VERILOG_EVAL / "Prob002_count4_ref.sv"), "--top", "TopModule"],
     "policy_violation"),
    (HOSTILE / "counter8_decoy_force.v", ["--tb", str(COUNTER8 / "testbench.v")], "policy_violation"),
    (HOSTILE / "acc_rewrites_results.v", ["--tests", str(ACC / "tb_acc.py")], "mismatch"),
])
def test_aigchip_verify_reports_each_attack_classified_and_failing(design, checks, expected, tmp_path):
    import json
    import subprocess
    import sys

    ran = subprocess.run([sys.executable, "-m", "aigchip.cli", "verify", str(design), *checks, "--json"],
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 1, ran.stderr[-2000:]
    assert json.loads(ran.stdout)["status"] == expected


HEAD = "module TopModule(input clk, input reset, output [3:0] q);\n"
PORTS = "(.clk(clk), .reset(reset), .q(q));\nendmodule\n"
# the design instantiates the testbench's reference model, to pass by copying it, in ways a reader of its
# text could miss: after an escaped identifier (`wire \\x// ;` declares a wire named `x//`: the rest of the
# line is code), or through a macro that names the model
GOLDEN_HIDDEN = {  # how: (the design, the rule that refuses it)
    "escaped identifier": (HEAD + "  wire \\x// ; RefModule r" + PORTS, "golden-model"),
    "macro": ("`define GOLD RefModule\n" + HEAD + "  `GOLD r" + PORTS, "golden-model"),
    "macro argument": ("`define INST(kind) kind\n" + HEAD + "  `INST(RefModule) r" + PORTS, "golden-model"),
    # a lone carriage return ends a // comment for Icarus (not for Verilator or the checks' readers)
    "carriage return": (HEAD + "  // the counter\rRefModule r" + PORTS, "line-end"),
    # the name assembled from pieces by macro expansion: two macros side by side, a macro call and letters
    "adjacent macros": ("`define A Ref\n`define B Module\n" + HEAD + "  `A`B r" + PORTS, "macro-paste"),
    "call and letters": ("`define A(x) x\n" + HEAD + "  `A(RefMod)ule r" + PORTS, "macro-paste"),
    "letters and macro": ("`define B Module\n" + HEAD + "  Ref`B r" + PORTS, "macro-paste"),
}


@pytest.mark.sim
@pytest.mark.parametrize("how", sorted(GOLDEN_HIDDEN))
@pytest.mark.parametrize("simulator", ["icarus", pytest.param("verilator", marks=pytest.mark.verilator)])
def test_the_golden_model_cannot_be_borrowed_out_of_sight(simulator, how):
    hidden, refused_by = GOLDEN_HIDDEN[how]
    verdict = verify(Design(files={"TopModule.sv": hidden}, top="TopModule"),
                     VerifyOptions(testbench=(VERILOG_EVAL / "Prob002_count4_test.sv",), simulator=simulator,
                                   reference=VERILOG_EVAL / "Prob002_count4_ref.sv", lint=False))
    assert verdict.status is Status.POLICY_VIOLATION, verdict.log
    assert [d.code for d in verdict.diagnostics] == [refused_by]


@pytest.mark.sim
def test_a_carriage_return_hides_nothing_from_the_policy():
    """Icarus ends a // comment at a lone carriage return; the policy's reader did not, so a refused reach
    into the testbench (here its reference instance's output) hid in a comment and passed."""
    reach = HEAD + "  // copy\rassign q = tb.good1.q;\nendmodule\n"
    windows = HEAD.replace("\n", "\r\n") + "  assign q = 4'd0; // CRLF line ends are fine\r\nendmodule\r\n"
    options = VerifyOptions(testbench=(VERILOG_EVAL / "Prob002_count4_test.sv",), lint=False,
                            reference=VERILOG_EVAL / "Prob002_count4_ref.sv")
    verdict = verify(Design(files={"TopModule.sv": reach}, top="TopModule"), options)
    assert verdict.status is Status.POLICY_VIOLATION and [d.code for d in verdict.diagnostics] == ["line-end"]
    assert (verdict.diagnostics[0].line, verdict.diagnostics[0].column) == (2, 10)
    assert verify(Design(files={"TopModule.sv": windows}, top="TopModule"), options).status is Status.MISMATCH
