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


def _key(wave, name):
    return next(code for code, known in wave.names.items() if known == name)


def test_reads_scopes_scalars_and_vectors(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(VCD)
    wave = vcd.read(path)
    assert wave.timescale == "1ps" and wave.unit == "ps" and wave.end_time == 10
    assert sorted(wave.names.values()) == ["clk", "dut.acc", "dut.sat"]
    acc = _key(wave, "dut.acc")
    assert wave.value_at(acc, 7) == "101" and wave.value_at(acc, 10) == "11111111"
    assert wave.paths[acc] == "tb.dut.acc" and wave.widths[acc] == 8
    assert wave.value_at(_key(wave, "dut.sat"), 0) == "x"


def test_ticks_convert_from_other_units(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(VCD.replace("1ps", "10ps"))
    wave = vcd.read(path)
    assert (wave.unit, wave.factor) == ("ps", 10)
    assert wave.ticks(660, "ns") == 66_000 and wave.ticks(50, "ps") == 5


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
    assert list(wave.names.values()) == ["clk"] and wave.changes[_key(wave, "clk")] == [(0, "0"), (5, "1")]


def test_a_huge_file_is_read_up_to_the_limit(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(VCD + "".join(f"#{t}\n{t % 2}!\n" for t in range(11, 5000)))
    wave = vcd.read(path, max_bytes=4000)
    assert wave.truncated and 10 < wave.end_time < 4999
    assert vcd.read(path).end_time == 4999


def test_not_a_vcd_is_a_value_error(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_bytes(b"\x00\x01garbage$$$")
    try:
        vcd.read(path)
    except ValueError as exc:
        assert "w.vcd" in str(exc)
    else:
        raise AssertionError("read a garbage file")


def test_a_value_wider_than_its_signal_is_a_value_error_not_a_crash(tmp_path):
    path = tmp_path / "w.vcd"
    path.write_text(VCD.replace('b11111111 "', 'b111111111111 "'))
    try:
        vcd.read(path)
    except ValueError as exc:
        assert "not a readable VCD" in str(exc)
    else:
        raise AssertionError("read a malformed file")
