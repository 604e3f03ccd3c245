"""verify(): the bad inputs of the issue end in a classified verdict, within the timeout, nothing left behind."""

import time
from pathlib import Path

import pytest

from aigchip.sim import Design, Status, VerifyOptions, verify
from aigchip.sim import tools
from tests.conftest import processes_mentioning

EXAMPLE = Path(__file__).parent.parent / "datasets" / "examples" / "mac8"
MAC8 = (EXAMPLE / "mac8.v").read_text()
TB = EXAMPLE / "tb_mac8.v"
COCOTB_TEST = EXAMPLE / "test_mac8.py"

AND_GATE = "module and2(input a, input b, output y); assign y = a & b; endmodule\n"


def mac8(text: str = MAC8) -> Design:
    return Design(files={"mac8.v": text}, top="mac8")


def test_empty_reply_is_no_code():
    verdict = verify(Design(files={"reply.v": "Sorry, I cannot help with that."}, top="mac8"))
    assert verdict.status is Status.NO_CODE


def test_top_name_that_does_not_match_is_a_compile_error_naming_both():
    verdict = verify(Design(files={"and2.v": AND_GATE}, top="TopModule"))
    assert verdict.status is Status.COMPILE_ERROR
    assert "TopModule" in verdict.diagnostics[0].message and "and2" in verdict.diagnostics[0].message


@pytest.mark.parametrize("body, rule", [
    ('initial begin : x integer f; f = $fopen("/tmp/aigchip-pwned", "w"); end', "file-access"),
    ('reg [7:0] m [0:3]; initial $readmemh("/etc/passwd", m);', "file-access"),
    ('initial $c("system(\\"touch /tmp/pwned\\");");', "verilator-c"),
    ('import "DPI-C" function int system(input string cmd);', "dpi"),
])
def test_hostile_designs_are_refused_before_any_tool_runs(body, rule, tmp_path):
    text = f"module evil(input a, output y);\n  assign y = a;\n  {body}\nendmodule\n"
    verdict = verify(Design(files={"evil.v": text}, top="evil"))
    assert verdict.status is Status.POLICY_VIOLATION
    assert any(d.code == rule and d.file == "evil.v" and d.line == 3 for d in verdict.diagnostics)
    assert verdict.checks == ["policy"]


def test_include_of_system_file_is_refused():
    text = '`include "/etc/passwd"\nmodule evil(input a, output y); assign y = a; endmodule\n'
    verdict = verify(Design(files={"evil.v": text}, top="evil"))
    assert verdict.status is Status.POLICY_VIOLATION and verdict.diagnostics[0].line == 1


@pytest.mark.sim
def test_compile_only_check_passes_a_good_design_and_records_tools():
    verdict = verify(mac8())
    assert verdict.status is Status.PASS, verdict.summary()
    assert "syntax" in verdict.checks and "policy" in verdict.checks
    assert verdict.tools["iverilog"][0].isdigit()


@pytest.mark.sim
def test_design_that_does_not_parse_is_a_compile_error_with_its_line():
    broken = MAC8.replace("acc <= sum[15:0];", "acc <= sum[15:0]")
    verdict = verify(mac8(broken), lint=False)
    assert verdict.status is Status.COMPILE_ERROR
    assert any(d.file == "mac8.v" and d.line is not None for d in verdict.errors)


@pytest.mark.sim
def test_testbench_passes_good_design_and_catches_a_bug():
    good = verify(mac8(), VerifyOptions(testbench=(TB,)))
    assert good.status is Status.PASS, good.summary() + good.log
    assert good.mismatches == 0 and good.samples == 300
    bad = verify(mac8(MAC8.replace("16'sh7fff", "16'sh7ffe")), VerifyOptions(testbench=(TB,)))
    assert bad.status is Status.MISMATCH and bad.mismatches > 0


@pytest.mark.sim
def test_design_printing_the_pass_line_and_finishing_is_refused():
    forged = MAC8.replace("endmodule", 'initial begin $display("Mismatches: 0 in 100 samples"); $finish; end\nendmodule')
    verdict = verify(mac8(forged), VerifyOptions(testbench=(TB,)))
    assert verdict.status is Status.POLICY_VIOLATION
    assert any(d.code == "finish" for d in verdict.diagnostics)


@pytest.mark.sim
def test_design_printing_the_pass_line_without_finishing_does_not_pass():
    forged = MAC8.replace("16'sh7fff", "16'sh7ffe").replace(
        "endmodule", 'initial $display("Mismatches: 0 in 300 samples");\nendmodule')
    verdict = verify(mac8(forged), VerifyOptions(testbench=(TB,)))
    assert verdict.status is Status.MISMATCH


@pytest.mark.sim
def test_zero_delay_infinite_loop_times_out_and_leaves_nothing(tmp_path):
    looping = MAC8.replace("endmodule", "integer spins = 0;\ninitial forever spins = spins + 1;\nendmodule")
    started = time.monotonic()
    verdict = verify(mac8(looping), VerifyOptions(testbench=(TB,), timeout=3, lint=False, keep_dir=tmp_path))
    assert verdict.status is Status.TIMEOUT
    assert time.monotonic() - started < 15
    assert processes_mentioning(str(tmp_path)) == []


@pytest.mark.sim
def test_design_printing_50mb_ends_classified_with_a_capped_log():
    chatty = MAC8.replace("endmodule", 'initial repeat (1000000) $display("%0s", "0123456789012345678901234567890123456789abcdefghi");\nendmodule')
    verdict = verify(mac8(chatty), VerifyOptions(testbench=(TB,), timeout=60, lint=False))
    assert verdict.status is Status.PASS  # the chatter is harmless; the testbench still decides
    assert len(verdict.log) < 50_000


@pytest.mark.sim
def test_4mb_source_file_is_checked_without_trouble():
    filler = "// " + "padding " * 12 + "\n"
    big = filler * (4 * 1024 * 1024 // len(filler)) + MAC8
    verdict = verify(mac8(big), lint=False, timeout=60)
    assert verdict.status is Status.PASS, verdict.summary()


@pytest.mark.sim
def test_cocotb_tests_pass_and_fail_with_the_models_message():
    good = verify(mac8(), VerifyOptions(tests=COCOTB_TEST, lint=False))
    assert good.status is Status.PASS, good.summary() + good.log
    assert good.tests_total == 2 and good.tests_failed == 0
    bad = verify(mac8(MAC8.replace("sat <= 1'b1;\n      end else if", "sat <= 1'b0;\n      end else if")),
                 VerifyOptions(tests=COCOTB_TEST, lint=False))
    assert bad.status is Status.MISMATCH
    assert any("sat got 0 expected 1" in d.message for d in bad.diagnostics)


@pytest.mark.sim
def test_same_check_twice_is_served_from_the_cache():
    first = verify(mac8(), VerifyOptions(testbench=(TB,), lint=False))
    second = verify(mac8(), VerifyOptions(testbench=(TB,), lint=False))
    assert not first.cached and second.cached
    assert second.status is first.status and second.samples == first.samples
    fresh = verify(mac8(), VerifyOptions(testbench=(TB,), lint=False, use_cache=False))
    assert not fresh.cached


@pytest.mark.sim
def test_a_cached_verdict_is_found_before_the_policy_and_only_while_the_policy_is_the_same(monkeypatch):
    from aigchip.sim import check, policy

    assert verify(mac8(), VerifyOptions(testbench=(TB,), lint=False)).status is Status.PASS
    scans = []
    real = policy.check
    monkeypatch.setattr(policy, "check", lambda *args, **kwargs: scans.append(1) or real(*args, **kwargs))
    assert verify(mac8(), VerifyOptions(testbench=(TB,), lint=False)).cached and scans == []  # a warm rerun
    monkeypatch.setattr(check, "_gates_source", lambda: "the policy of another aigchip")
    again = verify(mac8(), VerifyOptions(testbench=(TB,), lint=False))
    assert not again.cached and scans == [1] and again.status is Status.PASS
    hostile = mac8(MAC8.replace("endmodule", 'initial $readmemh("/etc/passwd", m);\nendmodule'))
    for _ in range(2):  # a refused design is never cached, so it meets the policy every time
        assert verify(hostile, VerifyOptions(testbench=(TB,), lint=False)).status is Status.POLICY_VIOLATION
    assert scans == [1, 1, 1]


@pytest.mark.sim
def test_verify_many_reads_cached_verdicts_without_a_thread_and_checks_the_rest_as_verify_would(monkeypatch):
    import threading

    from aigchip.sim import check

    options = VerifyOptions(testbench=(TB,), lint=False)
    buggy = mac8(MAC8.replace("16'sh7fff", "16'sh7ffe"))
    assert check.verify_many([(mac8(), options)], jobs=2)[0].status is Status.PASS
    lone = verify(buggy, options, use_cache=False)
    started = []
    real = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name) or real(self))
    warm = check.verify_many([(mac8(), options), (mac8(), options)], jobs=2)
    assert started == [] and [(v.status, v.cached) for v in warm] == [(Status.PASS, True)] * 2
    assert warm[0].checks[0] == "policy" and warm[0].tools == {"iverilog": tools.find("iverilog").version,
                                                                "vvp": tools.find("vvp").version}
    mixed = check.verify_many([(mac8(), options), (buggy, options)], jobs=2)
    assert mixed[0].cached and not mixed[1].cached and started  # the miss was checked in the pool
    assert mixed[1].status is lone.status is Status.MISMATCH and mixed[1].diagnostics == lone.diagnostics
    assert verify(buggy, options).cached  # stored under the key verify() itself looks under


@pytest.mark.sim
def test_a_cached_verdict_is_read_without_loading_the_sandbox_or_any_checker(tmp_path):
    """A warm rerun only hashes and reads: the policy, the runners and the sandbox load on a miss."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from aigchip.sim import Design, VerifyOptions, verify_many\n"
        f"design = Design(files={{'mac8.v': Path({str(EXAMPLE / 'mac8.v')!r}).read_text()}}, top='mac8')\n"
        f"verdict = verify_many([(design, VerifyOptions(testbench=(Path({str(TB)!r}),), lint=False))])[0]\n"
        "heavy = sorted(m for m in ('aigchip.sim.process', 'aigchip.sim.sandbox', 'aigchip.sim.native',\n"
        "               'aigchip.sim.policy', 'aigchip.sim.lint', 'aigchip.sim.candidates',\n"
        "               'concurrent.futures.thread') if m in sys.modules)\n"
        "print(verdict.status, verdict.cached, heavy)\n")
    env = {**os.environ, "AIGCHIP_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
            for _ in range(2)]
    assert [r.stdout.split()[:2] for r in runs] == [["pass", "False"], ["pass", "True"]], runs[0].stderr + runs[1].stderr
    assert runs[1].stdout.strip().endswith("[]"), runs[1].stdout


@pytest.mark.sim
def test_changed_testbench_data_file_misses_the_cache(tmp_path):
    tb = tmp_path / "tb.v"
    tb.write_text(TB.read_text().replace("module tb;", 'module tb;\n  reg [7:0] table_mem [0:0];\n'
                                                         '  initial $readmemh("data.txt", table_mem);'))
    (tmp_path / "data.txt").write_text("01\n")
    (tmp_path / "notes.txt").write_text("unrelated\n")
    first = verify(mac8(), VerifyOptions(testbench=(tb,), lint=False))
    (tmp_path / "notes.txt").write_text("still unrelated\n")
    second = verify(mac8(), VerifyOptions(testbench=(tb,), lint=False))
    (tmp_path / "data.txt").write_text("02\n")
    third = verify(mac8(), VerifyOptions(testbench=(tb,), lint=False))
    assert first.status is Status.PASS, first.summary() + first.log
    assert second.cached  # the testbench never reads notes.txt
    assert not third.cached  # but it reads data.txt


def test_missing_simulator_is_a_tool_error_not_the_designs_fault(monkeypatch):
    def missing(name):
        raise tools.ToolMissing(name)

    monkeypatch.setattr(tools, "find", missing)
    monkeypatch.setattr(tools, "available", lambda name: False)
    verdict = verify(mac8(), VerifyOptions(testbench=(TB,)))
    assert verdict.status is Status.TOOL_ERROR
    assert "apt-get install iverilog" in verdict.diagnostics[0].message


@pytest.mark.sim
@pytest.mark.verilator
def test_lint_warnings_are_reported_and_fail_only_when_strict():
    sloppy = MAC8.replace("wire signed [16:0] sum", "wire spare_wire;\n  wire signed [16:0] sum")
    relaxed = verify(mac8(sloppy))
    assert relaxed.status is Status.PASS
    assert any(d.source == "verilator" and d.severity == "warning" for d in relaxed.diagnostics)
    strict = verify(mac8(sloppy), strict=True)
    assert strict.status is Status.COMPILE_ERROR


@pytest.mark.sim
def test_files_a_design_writes_stay_in_its_run_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = MAC8.replace("endmodule", 'integer fd;\ninitial begin fd = $fopen("trace.txt", "w"); $fdisplay(fd, "hello"); $fclose(fd); end\nendmodule')
    verdict = verify(mac8(writer), VerifyOptions(testbench=(TB,), lint=False, keep_dir=tmp_path / "runs"))
    assert verdict.status is Status.PASS
    assert (Path(verdict.run_dir) / "trace.txt").read_text().strip() == "hello"
    assert not (tmp_path / "trace.txt").exists()


def test_a_cached_verdict_stands_for_the_whole_simulator_layer(monkeypatch, tmp_path):
    """A fix in any sim module (equivalence, a result reader) must not find verdicts the old code decided."""
    import shutil

    from aigchip.sim import check

    for path in Path(check.__file__).parent.glob("*.py"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(check, "__file__", str(tmp_path / "check.py"))
    check._gates_source.cache_clear()
    before = check._gates_source()
    (tmp_path / "equiv.py").write_text((tmp_path / "equiv.py").read_text() + "\n# a fix\n")
    check._gates_source.cache_clear()
    assert check._gates_source() != before
    for path in tmp_path.glob("*.py"):
        path.unlink()
    check._gates_source.cache_clear()
    assert check._gates_source().startswith("aigchip ")  # installed without sources: the version
    check._gates_source.cache_clear()


@pytest.mark.sim
def test_a_cocotb_verdict_is_not_served_to_another_python(monkeypatch):
    """cocotb tests run in this Python, with its packages: a cache shared by two Pythons (two virtual
    environments, one cache folder) keeps their verdicts apart; a testbench check runs no Python."""
    from aigchip.sim import check

    tests = Path(__file__).parent / "fixtures" / "cocotb" / "tb_acc.py"
    acc = Design(files={"acc.v": (tests.parent / "acc.v").read_text()}, top="acc")
    cocotb_check = VerifyOptions(tests=tests, lint=False)
    testbench_check = VerifyOptions(testbench=(TB,), lint=False)
    for design, options in ((acc, cocotb_check), (mac8(), testbench_check)):
        assert verify(design, options).status is Status.PASS
        assert verify(design, options).cached
    monkeypatch.setattr(check, "_python_version", lambda: "3.99.0")
    other = verify(acc, cocotb_check)
    assert not other.cached and other.status is Status.PASS
    assert verify(mac8(), testbench_check).cached
