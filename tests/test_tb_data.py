"""sim/tb_data.py: the files a testbench names in a string literal are its data files (part of the cache key);
HDL, the testbench itself, huge files and files it does not name are not."""

import os

from aigchip.sim import tb_data
from aigchip.sim.tb_data import data_files


def by_search(tb_paths, texts):
    """The plain definition: a file of the folder whose name appears as "name" or "./name" in a testbench."""
    folder = tb_paths[0].parent
    skip = {p.resolve() for p in tb_paths}
    return [folder / n for n in sorted(os.listdir(folder))
            if any(f'"{n}"' in t or f'"./{n}"' in t for t in texts)
            and (folder / n).suffix.lower() not in tb_data.HDL_SUFFIXES and (folder / n).is_file()
            and (folder / n).resolve() not in skip and (folder / n).stat().st_size <= tb_data.MAX_DATA_FILE_BYTES]


def test_the_named_files_are_found_and_no_others(tmp_path, monkeypatch):
    tb = tmp_path / "tb.v"
    other_tb = tmp_path / "tb_helper.sv"
    names = ["data.txt", "table.mem", "weights.hex", "notes.txt", 'odd"name.txt', "included.vh", "ref.sv",
             "huge.bin", "plain", "sub"]
    for name in names:
        if name == "sub":
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text("00\n")
    (tmp_path / "huge.bin").write_bytes(b"0" * 64)
    monkeypatch.setattr(tb_data, "MAX_DATA_FILE_BYTES", 32)
    tb.write_text('module tb; initial begin $readmemh("data.txt", m); $readmemh("./table.mem", m);\n'
                  '$display("weights.hex is not opened but named"); $readmemh("odd\\"name.txt", m);\n'
                  '`include "included.vh"\n $readmemh("huge.bin", m); $readmemh("sub", m); $readmemh("tb.v", m);\n'
                  '$display("%s", "plain"); end endmodule\n')
    other_tb.write_text('module helper; initial $display("odd"name.txt"); endmodule\n')
    texts = [tb.read_text(), other_tb.read_text()]
    found = data_files([tb, other_tb], texts)
    # not weights.hex: it is inside a longer literal
    assert [p.name for p in found] == sorted(["data.txt", "table.mem", 'odd"name.txt', "plain"])
    assert found == by_search([tb, other_tb], texts)


def test_a_testbench_naming_nothing_has_no_data_files(tmp_path):
    tb = tmp_path / "tb.v"
    tb.write_text("module tb; initial $finish; endmodule\n")
    (tmp_path / "data.txt").write_text("01\n")
    assert data_files([tb], [tb.read_text()]) == [] == by_search([tb], [tb.read_text()])
