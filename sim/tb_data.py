"""The data files a Verilog testbench reads: the files beside it that it names in a string literal. They are
part of every check's cache key, so finding them stays light: no tool and no checker is imported."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

MAX_DATA_FILE_BYTES = 16 * 1024 * 1024
HDL_SUFFIXES = {".v", ".sv", ".vh", ".svh", ".vlog", ".verilog"}


def data_files(tb_paths: Sequence[Path], testbench_texts: Sequence[str]) -> list[Path]:
    """The files beside the testbench that it names in a string literal (`"data.txt"`, `"./data.txt"`):
    the ones it can open, since only those names are pointed at the private folder. Never HDL, so the
    design cannot `include a reference; never huge."""
    folder = tb_paths[0].parent
    # `"X"` with no quote inside X is exactly a piece between two neighbouring quotes: one split per text,
    # and one set lookup per file of the folder (a VerilogEval folder holds hundreds)
    quoted = {piece for text in testbench_texts for piece in text.split('"')[1:-1]}
    named_as = quoted | {piece[2:] for piece in quoted if piece.startswith("./")}
    entries = os.listdir(folder)
    named = [n for n in entries if n in named_as]
    # a name holding a quote is never such a piece: look for it whole
    named += [n for n in entries if '"' in n and any(f'"{n}"' in t or f'"./{n}"' in t for t in testbench_texts)]
    if not named:
        return []
    skip = {p.resolve() for p in tb_paths}
    found = []
    for entry in (folder / n for n in sorted(named)):
        if (entry.suffix.lower() not in HDL_SUFFIXES and entry.is_file() and entry.resolve() not in skip
                and entry.stat().st_size <= MAX_DATA_FILE_BYTES):
            found.append(entry)
    return found
