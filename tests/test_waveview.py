"""aigchip.waveview: the window of a waveform people and the model read: ports first, cycles around the first
failure, signed ports in signed decimal, and the same view as a GTKWave save file."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from aigchip import feedback, interface, waveview
from aigchip.sim import vcd
from aigchip.sim.check import VerifyOptions, verify
from aigchip.sim.types import Design, Status, Verdict

FIXTURES = Path(__file__).parent / "fixtures" / "waves"
SUMMER = (FIXTURES / "summer.v").read_text()
PORTS = ["clk", "rst", "in_valid", "in_ready", "out_valid", "out_ready", "in_data", "total"]

# A clocked design dumped by a testbench: tb-level wires, the design's scope, an internal state register.
VCD = """$timescale 1ns $end
$scope module tb $end
$var wire 1 ! clk $end
$var wire 4 $ q_ref [3:0] $end
$scope module dut $end
$var wire 1 % clk $end
$var wire 4 & q [3:0] $end
$var wire 1 ' valid $end
$var reg 2 ( state [1:0] $end
$var wire 8 ) delta [7:0] $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
0!
0%
b0 $
b0 &
0'
b0 (
b11111110 )
""" + "".join(f"#{5 + 10 * i}\n1!\n1%\n#{10 + 10 * i}\n0!\n0%\nb{(i + 1) % 16:b} $\nb{(i + 1) % 16:b} &\n{i % 2}'\n"
              f"b{i % 4:b} (\n" for i in range(40))
DUT = """module dut(input clk, output [3:0] q, output valid, input signed [7:0] delta);
  reg [1:0] state;
endmodule
"""


def _wave(tmp_path: Path, text: str = VCD) -> vcd.Waveform:
    (tmp_path / "w.vcd").write_text(text)
    return vcd.read(tmp_path / "w.vcd")


def test_values_as_a_designer_reads_them():
    assert waveview.show_value("11111110", 8, signed=True) == "-2"
    assert waveview.show_value("11111110", 8) == "254"
    assert waveview.show_value("1", 1) == "1" and waveview.show_value("01", 1) == "1"
    assert waveview.show_value("xxxx", 4) == "x" and waveview.show_value("zz", 2) == "z"
    assert waveview.show_value("x01", 3) == "bx01"
    assert waveview.show_value("1" + "0" * 39, 40) == "0x8000000000"


def test_ports_come_first_in_declaration_order_and_internals_only_on_request(tmp_path):
    wave = _wave(tmp_path)
    ports = interface.parse_header(DUT, "dut")
    span = waveview.window(wave, interface=ports, top="dut")
    assert [t.name for t in span.traces] == ["clk", "valid", "delta", "q", "q_ref"]  # clock, handshake, in, out; tb ref
    assert span.hidden == 2  # state, and the testbench's clk
    everything = waveview.window(wave, interface=ports, top="dut", internals=True)
    assert [t.name for t in everything.traces][-2:] == ["state", "clk"]  # the design's state, then the tb's own clk
    assert next(t for t in span.traces if t.name == "delta").signed


def test_the_window_is_cycles_around_the_failure_with_cycle_numbers_and_time_in_the_files_unit(tmp_path):
    wave = _wave(tmp_path)
    ports = interface.parse_header(DUT, "dut")
    span = waveview.window(wave, interface=ports, top="dut", focus=205, focus_label="first mismatch", before=3, after=2)
    assert span.edges[:3] == [5, 15, 25] and span.cycle_at(205) == 20
    assert span.describe()["first_cycle"] == 17 and span.describe()["last_cycle"] == 22
    lines = span.table().splitlines()
    assert lines[0] == "(values just before each rising edge of clk; 2 other signals not shown)"
    assert lines[1].split() == ["cycle", "time", "(ns)", "valid", "delta", "q", "q_ref"]
    marked = [line for line in lines if "<- first mismatch" in line]
    assert len(marked) == 1 and marked[0].split()[:2] == ["20", "205"]
    assert marked[0].split()[3] == "-2"  # delta, signed
    last = waveview.window(wave, interface=ports, top="dut", last=4)
    assert last.describe()["last_cycle"] == 39 and last.describe()["first_cycle"] == 36


def test_a_span_of_cycles_for_the_terminal(tmp_path):
    wave = _wave(tmp_path)
    span = waveview.window(wave, interface=interface.parse_header(DUT, "dut"), top="dut").cycles(18, 20)
    assert (span.describe()["first_cycle"], span.describe()["last_cycle"]) == (18, 20)
    rows = span.table().splitlines()[2:]
    assert [r.split()[0] for r in rows] == ["18", "19", "20"]
    assert waveview.window(wave).cycles(30, 10_000).describe()["last_cycle"] == 39  # clamped to the run


def test_zoom_and_pan_choose_the_span_and_stay_inside_the_run(tmp_path):
    wave = _wave(tmp_path)
    span = waveview.window(wave, start=100, end=150)
    assert (span.start, span.end) == (100, 150) and span.describe()["start_text"] == "100 ns"
    wide = waveview.window(wave, start=-50, end=10**9)
    assert wide.start == 0 and wide.end <= wave.end_time * 2


def test_gtkwave_save_file_opens_the_same_view(tmp_path):
    wave = _wave(tmp_path)
    span = waveview.window(wave, interface=interface.parse_header(DUT, "dut"), top="dut", focus=205,
                           focus_label="first mismatch")
    text = waveview.write_gtkw(span, tmp_path / "w.vcd", tmp_path / "w.gtkw").read_text()
    assert '[dumpfile] "w.vcd"' in text and f"[timestart] {span.start}" in text
    assert "\n*" in text and f" {span.focus} " in text.split("\n*", 1)[1].split("\n")[0]  # the marker at the failure
    traces = [line.split()[-1] for line in text.splitlines() if line.startswith("+")]
    assert traces == ["tb.dut.clk", "tb.dut.valid", "tb.dut.delta[7:0]", "tb.dut.q[3:0]", "tb.q_ref[3:0]"]
    assert "@8\n" in text or "@28\n" in text  # GTKWave's flag for signed decimal on delta (with rjustify)


@pytest.mark.sim
def test_feedback_table_is_at_the_first_failing_assertion_with_ports_and_state(tmp_path):
    """Two cocotb tests: the first fails at its 16th input (cycle 65), the second passes; the table the model
    gets is centred on the first test's failure, not the end of the run, with ports first and the state."""
    design = Design(files={"summer.v": SUMMER}, top="summer")
    with tempfile.TemporaryDirectory(dir=tmp_path) as keep:
        verdict = verify(design, VerifyOptions(tests=FIXTURES / "test_summer.py", waves=True, keep_dir=Path(keep),
                                               lint=False, use_cache=False))
        assert verdict.status is Status.MISMATCH and (verdict.tests_total, verdict.tests_failed) == (2, 1)
        assert verdict.failure_time_ns == pytest.approx(660.0)
        table = feedback.waveform_table(verdict, design)
        from aigchip.chat import waves

        view = waves.open_view(verdict.waveform, design.files, "summer", verdict)
        svg = waves.render_svg(view.window(), title="summer")
    assert "first failing test stopped here (660000 ps)" in svg and "cycles 55\u201369" in svg
    assert ">-3<" in svg  # in_data, a signed port, in signed decimal
    lines = table.splitlines()
    header = lines[1].split()
    assert header[:3] == ["cycle", "time", "(ps)"]
    assert header[3:] == [p for p in PORTS if p != "clk"] + ["state"]
    marked = next(line for line in lines if "<- first failing test stopped here" in line).split()
    assert marked[:2] == ["65", "660000"] and marked[header.index("total") - 1] == "105"  # "(ps)" is no column


def test_no_waveform_no_table():
    assert feedback.waveform_table(Verdict(status=Status.MISMATCH)) == ""


@pytest.mark.skipif(not (shutil.which("gtkwave") and shutil.which("xvfb-run")),
                    reason="needs GTKWave and xvfb-run (apt-get install gtkwave xvfb xauth)")
def test_gtkwave_itself_opens_every_signal_and_the_marker(tmp_path):
    """GTKWave, headless, loads the save file: every trace resolves (vectors by their declared range) and the
    span starts and the marker sits where the window says."""
    wave = _wave(tmp_path)
    span = waveview.window(wave, interface=interface.parse_header(DUT, "dut"), top="dut", focus=205,
                           focus_label="first mismatch")
    waveview.write_gtkw(span, tmp_path / "w.vcd", tmp_path / "w.gtkw")
    (tmp_path / "show.tcl").write_text('puts "SHOWN: [gtkwave::getDisplayedSignals]"\n'
                                       'puts "AT: [gtkwave::getWindowStartTime] [gtkwave::getMarker]"\nexit\n')
    ran = subprocess.run(["xvfb-run", "-a", "gtkwave", "-S", "show.tcl", "w.vcd", "w.gtkw"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    shown = next(line for line in ran.stdout.splitlines() if line.startswith("SHOWN:")).split()[1:]
    assert shown == ["tb.dut.clk", "tb.dut.valid", "tb.dut.delta[7:0]", "tb.dut.q[3:0]", "tb.q_ref[3:0]"]
    at = next(line for line in ran.stdout.splitlines() if line.startswith("AT:")).split()[1:]
    assert at == [str(span.start), "205"]
