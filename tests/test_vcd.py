from aigchip.sim import vcd

VCD = """$date today $end
$timescale 1ps $end
$scope module tb $end
$var wire 1 ! clk $end
$scope module dut $end
$var reg 8 " acc [7:0] $end
$var wire 1 # sat $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
0!
b0 "
x#
#5
1!
b101 "
0#
#10
0!
b11111111 "
1#
"""


def test_reads_scopes_scalars_and_vectors(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(VCD)
    wave = vcd.read(path)
    assert wave.timescale == "1ps" and wave.end_time == 10
    assert sorted(wave.names.values()) == ["clk", "dut.acc", "dut.sat"]
    acc = next(code for code, name in wave.names.items() if name == "dut.acc")
    assert wave.value_at(acc, 7) == "101" and wave.value_at(acc, 10) == "11111111"


def test_table_around_a_moment_shows_hex_and_unknowns(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(VCD)
    table = vcd.table_around(vcd.read(path), 5, prefer=("dut",))
    lines = table.splitlines()
    assert lines[0].split() == ["time", "dut.acc", "dut.sat", "clk"]
    assert lines[1].split() == ["0", "0x0", "x", "0"]
    assert lines[2].split() == ["5", "0x5", "0", "1"]
    assert len(lines) == 3  # nothing after the moment asked for


def test_first_mismatch_time_from_verilog_eval_hints():
    hints = ["Hint: Output 'q' has 3 mismatches. First mismatch occurred at time 120.",
             "Hint: Output 'p' has 1 mismatches. First mismatch occurred at time 40."]
    assert vcd.first_mismatch_time(hints) == 40
    assert vcd.first_mismatch_time(["no hint here"]) is None


def test_a_name_declared_in_two_top_scopes_is_read_once(tmp_path) -> None:
    """Verilator's VCD declares the ports under $rootio and again under the design's scope."""
    path = tmp_path / "v.vcd"
    path.write_text("$timescale 1ps $end\n $scope module $rootio $end\n  $var wire 1 \" clk $end\n $upscope $end\n"
                    " $scope module counter8 $end\n  $var wire 1 & clk $end\n $upscope $end\n$enddefinitions $end\n"
                    "#0\n0\"\n0&\n#5\n1\"\n1&\n")
    wave = vcd.read(path)
    assert list(wave.names.values()) == ["clk"] and wave.changes['"'] == [(0, "0"), (5, "1")]
    assert vcd.table_around(wave, None).splitlines()[0].split() == ["time", "clk"]
