"""Overrides of a top module's Verilog `parameter`s, as each tool takes them (the one place that spells them).

`VerifyOptions.parameters` holds them as ((name, value), ...), integer values only: what a design-space sweep
sets (lanes, array size, depth). Icarus takes `-P<root>.<name>=<value>` for a root module, Verilator
`-G<name>=<value>` for its top, cocotb's runner its `parameters` mapping (which it turns into the same two
flags), yosys `chparam -set <name> <value> <top>` before the hierarchy is elaborated. With a Verilog testbench
the root is the testbench, so it is the testbench's own parameter that is set (it passes it on to the design).
"""

from __future__ import annotations

import re
from typing import Iterable

Parameters = tuple[tuple[str, int], ...]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def normalized(pairs: Iterable[tuple[str, int]]) -> Parameters:
    """`pairs` sorted by name; raises ValueError for a name that is not a Verilog identifier or a value that is
    not an integer (each reaches a tool's command line)."""
    found: dict[str, int] = {}
    for name, value in pairs:
        if not _NAME.match(name):
            raise ValueError(f"parameter name {name!r} is not a Verilog identifier")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"parameter {name} = {value!r}: only integer values are supported")
        found[name] = value
    return tuple(sorted(found.items()))


def iverilog_flags(root: str, parameters: Parameters) -> list[str]:
    return [f"-P{root}.{name}={value}" for name, value in parameters]


def verilator_flags(parameters: Parameters) -> list[str]:
    return [f"-G{name}={value}" for name, value in parameters]


def yosys_chparam(top: str, parameters: Parameters) -> list[str]:
    """yosys commands (for a `-p` script) that set the parameters of `top` after it is read."""
    return [f"chparam -set {name} {value} {top}" for name, value in parameters]


def label(parameters: Parameters) -> str:
    """`N=4,LANES=2` (as `--param` reads them), or "" for none."""
    return ",".join(f"{name}={value}" for name, value in parameters)
