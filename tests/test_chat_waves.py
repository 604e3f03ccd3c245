"""agent/chat/waves.py: a waveform picture (SVG) from a VCD, safe against hostile names and huge dumps."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest

from aigchip import waveview
from aigchip.chat import waves
from aigchip.sim import vcd

SVG_NS = "{http://www.w3.org/2000/svg}"

VCD = """$date today $end
$timescale 1ns $end
$scope module tb $end
$var wire 1 ! clk $end
$var wire 1 " rst $end
$scope module dut $end
$var reg 8 # count [7:0] $end
$var wire 1 $ flag $end
$var wire 1 % a<b&c $end
$var wire 4 & idle [3:0] $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
1"
bx #
x$
0%
$end
#10
1!
b0 #
#20
0!
0"
z$
#30
1!
b1 #
1%
#40
0!
#50
1!
b10 #
0$
#60
0!
#70
1!
b11 #
#80
0!
"""


def _svg(tmp_path, text=VCD, *, internals=True, **kwargs) -> tuple[str, ET.Element]:
    path = tmp_path / "w.vcd"
    path.write_text(text)
    span = waveview.window(vcd.read(path), internals=internals, **kwargs)
    svg = waves.render_svg(span, title="counter")
    return svg, ET.fromstring(svg)


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG_NS}text")]


def test_svg_parses_and_shows_names_values_and_unknowns(tmp_path):
    svg, root = _svg(tmp_path)
    assert root.tag == f"{SVG_NS}svg"
    texts = _texts(root)
    for name in ("clk", "rst", "count", "flag"):
        assert name in texts, name
    assert "3" in texts and "1" in texts  # bus segments labelled in decimal
    assert "x" in texts  # the counter's unknown start is labelled x
    assert "#d00" in svg and "#c80" in svg  # x and z drawn in their own colours
    assert texts.index("count") < texts.index("clk")  # the design's own signals first
    assert any("0 ns \u2013 80 ns" in t for t in texts) and "ns" in texts  # the span and the unit
    assert "<script" not in svg and "foreignObject" not in svg and "href" not in svg


def test_hostile_names_are_escaped(tmp_path):
    svg, root = _svg(tmp_path)
    assert "a&lt;b&amp;c" in svg and "a<b&c" not in svg
    assert "a<b&c" in _texts(root)  # and reads back as written
    hostile = VCD.replace("a<b&c", 'q"/><script>x</script>\x01')
    svg, root = _svg(tmp_path, hostile)
    assert "<script" not in svg
    assert not list(root.iter(f"{SVG_NS}script"))


def test_a_window_shows_only_its_span(tmp_path):
    _, root = _svg(tmp_path, start=25, end=55)
    texts = _texts(root)
    assert any("25 ns \u2013 55 ns" in t for t in texts)
    assert "1" in texts and "3" not in texts  # count is 1 then 2 inside; 3 comes at 70


def test_empty_waveform_says_so(tmp_path):
    empty = VCD.split("#0")[0]
    svg, root = _svg(tmp_path, empty)
    assert "no signal changes recorded" in _texts(root)
    assert len(svg) < 1000


def test_huge_waveform_stays_under_the_cap(tmp_path):
    header = ("$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! clk $end\n$var reg 16 \" n [15:0] $end\n"
              + "".join(f"$var wire 1 {chr(40 + i)} s{i} $end\n" for i in range(14))
              + "$upscope $end\n$enddefinitions $end\n")
    body = []
    for t in range(100_000):
        body.append(f"#{t}\n{t % 2}!\nb{t % 65536:b} \"\n" + "".join(f"{(t >> i) & 1}{chr(40 + i)}\n" for i in range(14)))
    svg, root = _svg(tmp_path, header + "".join(body), start=0, end=100_000)
    assert len(svg.encode()) < waves.MAX_SVG_BYTES
    assert any("truncated" in t for t in _texts(root))


def test_many_busy_buses_stay_under_the_cap(tmp_path):
    header = ("$timescale 1ps $end\n$scope module tb $end\n"
              + "".join(f"$var reg 32 {chr(40 + i)} bus{i} [31:0] $end\n" for i in range(16))
              + "$upscope $end\n$enddefinitions $end\n")
    body = "".join(f"#{t * 100}\n" + "".join(f"b{(t * 7919 + i) % 2**32:b} {chr(40 + i)}\n" for i in range(16))
                   for t in range(12_000))
    svg, root = _svg(tmp_path, header + body, start=0, end=1_200_000)
    assert len(svg.encode()) < waves.MAX_SVG_BYTES
    assert sum("truncated" in t for t in _texts(root)) == 16


def test_write_pictures_writes_the_picture_the_table_and_a_gtkwave_file(tmp_path):
    (tmp_path / "w.vcd").write_text(VCD)
    view = waves.open_view(tmp_path / "w.vcd", {}, None, {"status": "pass"})
    pics = waves.write_pictures(view, tmp_path / "w.vcd", tmp_path / "out")
    assert pics.error == "" and pics.svg == tmp_path / "out" / "waves.svg"
    ET.parse(pics.svg)
    assert pics.end_time == 80 and pics.timescale == "1ns"
    assert "[dumpfile] \"w.vcd\"" in pics.gtkw.read_text()
    assert "time (ns)" in pics.table


def test_keep_waves_without_a_readable_vcd_keeps_going(tmp_path):
    from aigchip.sim.types import Status, Verdict

    (tmp_path / "bad.vcd").write_bytes(b"\x00garbage")
    kept = waves.keep_waves(Verdict(status=Status.PASS, waveform=str(tmp_path / "bad.vcd")), {}, "top", tmp_path,
                            "versions/001")
    assert kept == ("versions/001/waves.vcd", None, None)
    assert waves.keep_waves(Verdict(status=Status.PASS), {}, "top", tmp_path, "versions/002") == (None, None, None)


COUNTER = """module counter(input clk, input rst, output reg [3:0] count);
  always @(posedge clk) count <= rst ? 4'd0 : count + 4'd1;
endmodule
"""
TB = """module tb;
  reg clk = 0, rst = 1;
  wire [3:0] count;
  counter dut(.clk(clk), .rst(rst), .count(count));
  always #5 clk = ~clk;
  initial begin
    $dumpfile("waves.vcd"); $dumpvars(0, tb);
    #12 rst = 0;
    #100 $finish;
  end
endmodule
"""


@pytest.mark.sim
def test_real_icarus_waveform(tmp_path):
    (tmp_path / "counter.v").write_text(COUNTER)
    (tmp_path / "tb.v").write_text(TB)
    subprocess.run(["iverilog", "-g2012", "-o", "sim.vvp", "tb.v", "counter.v"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=30)
    subprocess.run(["vvp", "sim.vvp"], cwd=tmp_path, check=True, capture_output=True, timeout=30)
    view = waves.open_view(tmp_path / "waves.vcd", {"counter.v": COUNTER}, "counter", {"status": "pass"})
    pics = waves.write_pictures(view, tmp_path / "waves.vcd", tmp_path)
    assert pics.error == "" and pics.svg is not None
    root = ET.parse(pics.svg).getroot()
    texts = ["".join(el.itertext()) for el in root.iter(f"{SVG_NS}text")]
    assert [t.name for t in view.window().traces] == ["clk", "rst", "count"]  # the design's ports, in order
    assert "cycle" in texts and "count" in texts
