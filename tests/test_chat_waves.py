"""agent/chat/waves.py: a waveform picture (SVG) from a VCD, safe against hostile names and huge dumps."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import pytest

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


def _svg(tmp_path, text=VCD, **kwargs) -> tuple[str, ET.Element]:
    path = tmp_path / "w.vcd"
    path.write_text(text)
    svg = waves.render_svg(vcd.read(path), **kwargs)
    return svg, ET.fromstring(svg)


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG_NS}text")]


def test_svg_parses_and_shows_names_hex_values_and_unknowns(tmp_path):
    svg, root = _svg(tmp_path, title="counter")
    assert root.tag == f"{SVG_NS}svg"
    texts = _texts(root)
    for name in ("clk", "rst", "dut.count", "dut.flag"):
        assert name in texts, name
    assert "0x3" in texts and "0x1" in texts  # bus segments labelled in hex
    assert "x" in texts  # the counter's unknown start is labelled x
    assert "#d00" in svg and "#c80" in svg  # x and z drawn in their own colours
    assert "idle" not in svg  # never changes, so not drawn
    assert "timescale 1ns" in "".join(texts) and "counter" in "".join(texts)
    assert "<script" not in svg and "foreignObject" not in svg and "href" not in svg


def test_hostile_names_are_escaped(tmp_path):
    svg, root = _svg(tmp_path, title='<script>alert("t")</script>')
    assert "a&lt;b&amp;c" in svg and "a<b&c" not in svg
    assert "dut.a<b&c" in _texts(root)  # and reads back as written
    assert "<script" not in svg
    hostile = VCD.replace("a<b&c", 'q"/><script>x</script>\x01')
    svg, root = _svg(tmp_path, hostile)
    assert "<script" not in svg
    assert not list(root.iter(f"{SVG_NS}script"))


def test_prefer_and_max_signals_choose_rows(tmp_path):
    _, root = _svg(tmp_path, max_signals=2, prefer=("count",))
    names = [t for t in _texts(root) if t in ("clk", "rst", "dut.count", "dut.flag", "dut.a<b&c")]
    assert names == ["dut.count", "clk"]


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
        body.append(f"#{t}\n{t % 2}!\nb{t:b} \"\n" + "".join(f"{(t >> i) & 1}{chr(40 + i)}\n" for i in range(14)))
    svg, root = _svg(tmp_path, header + "".join(body))
    assert len(svg.encode()) < waves.MAX_SVG_BYTES
    assert any("truncated" in t for t in _texts(root))


def test_many_busy_buses_stay_under_the_cap(tmp_path):
    header = ("$timescale 1ps $end\n$scope module tb $end\n"
              + "".join(f"$var reg 32 {chr(40 + i)} bus{i} [31:0] $end\n" for i in range(16))
              + "$upscope $end\n$enddefinitions $end\n")
    body = "".join(f"#{t * 100}\n" + "".join(f"b{t * 7919 + i:b} {chr(40 + i)}\n" for i in range(16))
                   for t in range(12_000))
    svg, root = _svg(tmp_path, header + body)
    assert len(svg.encode()) < waves.MAX_SVG_BYTES
    assert sum("truncated" in t for t in _texts(root)) == 16


def test_write_pictures(tmp_path):
    (tmp_path / "w.vcd").write_text(VCD)
    pics = waves.write_pictures(tmp_path / "w.vcd", tmp_path / "out", prefer=("count",))
    assert pics.error == "" and pics.svg == tmp_path / "out" / "waves.svg"
    ET.parse(pics.svg)
    assert pics.signals == 5 and pics.end_time == 80 and pics.timescale == "1ns"
    assert pics.table.splitlines()[0].split()[:2] == ["time", "dut.count"]


def test_write_pictures_on_a_missing_file(tmp_path):
    pics = waves.write_pictures(tmp_path / "nope.vcd", tmp_path / "out")
    assert pics.svg is None and pics.table == "" and "nope.vcd" in pics.error
    assert not (tmp_path / "out" / "waves.svg").exists()


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
    pics = waves.write_pictures(tmp_path / "waves.vcd", tmp_path, prefer=("count",))
    assert pics.error == "" and pics.svg is not None
    root = ET.parse(pics.svg).getroot()
    texts = ["".join(el.itertext()) for el in root.iter(f"{SVG_NS}text")]
    assert "count" in texts or "dut.count" in texts
    assert any(t.startswith("0x") for t in texts)
