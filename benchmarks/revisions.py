"""An earlier revision of aigchip beside this tree, for benchmarks that time both as processes: `extract` a
revision with `git archive`, then `package` a tree as installed (put the returned folder on PYTHONPATH and
run `python -c 'from aigchip.cli import main; main()' ...`)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = "from aigchip.cli import main; main()"
PARTS = ("agent", "sim", "templates", "datasets")


def package(tree: Path, into: Path) -> Path:
    """A folder holding `aigchip` as the installed package is laid out (agent/ with sim, templates and
    datasets inside), made of links into `tree`; put it on PYTHONPATH."""
    top = into / "aigchip"
    top.mkdir(parents=True)
    for item in (tree / "agent").iterdir():
        if item.name != "__pycache__":
            (top / item.name).symlink_to(item)
    for name in ("sim", "templates", "datasets"):
        (top / name).symlink_to(tree / name)
    return into


def extract(revision: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision, *PARTS],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into
