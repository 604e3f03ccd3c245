"""The run folder: the one format every run leaves behind, written and read only here.

A run folder holds the design files, `checks/` (the tests used, with the testbench's data files),
`session.jsonl` (every prompt, reply, verdict, token count) and `meta.json`. `generate --out`, a chat's
`/save` and each module of the accelerator flow write it (`Recorder`, `copy_checks`, `run_meta`);
`regress` reads it back (`find_records`, `recorded_design`, `recorded_task`, `check_options`).

`meta.json` keys: `top`, `files` (the design files beside it), `checks` (paths relative to the folder:
`testbench` [...], `tests`, `reference`, `tb_top`, `self_tests`), `verdict` ({status, ...}), `config`
({simulator, sim_timeout, lint, ...}), `task`, `model`, `toolchain`, `templates`, `demos`.

An exploration's folder (`aigchip explore --out`) holds `explore.json` (the whole result, as `--json` prints
it), `points/<label>.json` (each point as it finished, written at once so a killed run keeps it; `--resume`
reads them back), `report.html` and the explored design's files.

Each session line is flushed as it is written, so a killed run keeps everything up to its last step.
API keys never reach these files: they hold messages, replies and verdicts, and the config names only
the variable that holds the key.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from aigchip.sim.files import write_atomic
from aigchip.sim.types import Design, Status
from aigchip.task import Task, verify_options

if TYPE_CHECKING:
    from aigchip.config import RunConfig
    from aigchip.sim.check import VerifyOptions

SESSION = "session.jsonl"
META = "meta.json"
CHECKS = "checks"
LOCK = ".aigchip.lock"
EXPLORE = "explore.json"
EXPLORE_POINTS = "points"
EXPLORE_REPORT = "report.html"


class FolderBusy(RuntimeError):
    """Another run is writing into the folder."""


@contextlib.contextmanager
def exclusive(folder: Path, command: str) -> Iterator[None]:
    """Hold `folder` for one run: a second run on it fails at once with FolderBusy naming the first one's pid.

    An flock on `LOCK` inside the folder: the kernel releases it when this process ends, however it ends
    (kill -9 included), so a stale lock never blocks a later run. The descriptor is not inherited by tools."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown pid"
            raise FolderBusy(f"{folder} is in use by another aigchip run ({holder}); wait for it to end, or "
                             "use another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: aigchip {command}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, since removing it would race with the next run


def holding(folder: Path | None, command: str) -> contextlib.AbstractContextManager[None]:
    """`exclusive(folder, command)`, or nothing to hold when there is no folder."""
    return exclusive(folder, command) if folder is not None else contextlib.nullcontext()


class Recorder:
    """Writes a run's record into `folder`; `Recorder(None)` records nothing (for library use)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._session = open(self.folder / SESSION, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def event(self, event_type: str, **fields: Any) -> None:
        self.line({"type": event_type, **fields})

    def line(self, record: dict[str, Any]) -> None:
        """A prepared line (e.g. models.local.record_line) as it is, so replay can read it back."""
        if self.folder is None:
            return
        self._session.write(json.dumps(record, default=str) + "\n")
        self._session.flush()

    def write_design(self, design: Design, extra: dict[str, str] | None = None) -> list[str]:
        """The final design files (and e.g. the tests used) beside the record; returns their names."""
        if self.folder is None:
            return sorted(design.files)
        written = []
        for name, text in {**design.files, **(extra or {})}.items():
            (self.folder / name).write_text(text, encoding="utf-8")
            written.append(name)
        return sorted(written)

    def write_meta(self, meta: dict[str, Any]) -> None:
        if self.folder is None:
            return
        write_atomic(self.folder / META, json.dumps(meta, indent=1, default=str) + "\n")

    def close(self) -> None:
        if self.folder is not None:
            self._session.close()


def run_meta(task: Task, config: RunConfig, **fields: Any) -> dict[str, Any]:
    """The meta.json keys every run folder shares (the task, the settings, the toolchain, the prompts'
    hashes), then `fields`."""
    from aigchip import config as run_config
    from aigchip import prompts
    from aigchip.sim import tools

    return {"task": task.model_dump(mode="json"), "top": task.top, "config": run_config.record(config),
            "toolchain": tools.toolchain(), "templates": prompts.template_hashes(), **fields}


def copy_checks(task: Task, out_dir: Path) -> dict[str, Any]:
    """The task's own tests beside the design (in checks/), so the folder re-checks on its own; returns
    meta.json's `checks`."""
    folder = Path(out_dir) / CHECKS
    used: dict[str, Any] = {"testbench": [], "tests": None, "reference": None, "tb_top": task.tb_top}
    if not task.has_golden_tests and task.reference is None:
        return used
    folder.mkdir(parents=True, exist_ok=True)
    from aigchip.sim.check import data_files

    for path in data_files(verify_options(task)):
        if path.suffix.lower() not in (".v", ".sv"):  # data the testbench reads, helpers the tests import
            shutil.copyfile(path, folder / path.name)
    for path in task.testbench:
        shutil.copyfile(path, folder / path.name)
        used["testbench"].append(f"{CHECKS}/{path.name}")
    for key, given in (("tests", task.tests), ("reference", task.reference)):
        if given is not None:
            shutil.copyfile(given, folder / given.name)
            used[key] = f"{CHECKS}/{given.name}"
    return used


# -- reading ------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One run folder as it was left."""

    folder: Path
    label: str
    meta: dict[str, Any]
    recorded: str
    check_problems: list[str] = field(default_factory=list)  # recorded checks that cannot be used
    design_problems: list[str] = field(default_factory=list)  # recorded design files that cannot be read


def find_records(root: Path) -> tuple[list[Record], list[str]]:
    """Every run folder at or below `root` (a meta.json with `top` and `files`), sorted by path; and a line
    for each meta.json that could not be read."""
    records, problems = [], []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        if META not in files:
            continue
        here = Path(folder)
        label = (root / here.relative_to(root)).as_posix()
        try:
            meta = json.loads((here / META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{label}/{META}: cannot be read ({exc})")
            continue
        if isinstance(meta, dict) and isinstance(meta.get("top"), str) and isinstance(meta.get("files"), list):
            records.append(Record(here, label, meta, recorded_status(meta)))
    return sorted(records, key=lambda r: r.label), problems


def recorded_status(meta: dict[str, Any]) -> str:
    verdict = meta.get("verdict")
    if isinstance(verdict, dict) and verdict.get("status"):
        return str(verdict["status"])
    return str(meta.get("status") or Status.NO_CODE)


def _inside(folder: Path, name: object, role: str, problems: list[str]) -> Path | None:
    """`name` (relative to `folder`) as a file inside it; None, with a line added to `problems`, when it is not."""
    path = (folder / str(name)).resolve()
    if folder.resolve() not in path.parents:
        problems.append(f"meta.json names {role} {name!r} outside the design folder")
        return None
    if not path.is_file():
        problems.append(f"the {role} {name} recorded in meta.json is missing")
        return None
    return path


def recorded_task(record: Record) -> Task:
    """The checks the record names, as a Task (the agent's own `self_tests` only when it has no golden
    tests); `record.check_problems` says which files are missing or outside the folder."""
    checks = record.meta.get("checks") or {}

    def inside(name: object, role: str) -> Path | None:
        return _inside(record.folder, name, role, record.check_problems)

    testbench = [inside(p, "testbench") for p in checks.get("testbench") or []]
    tests = inside(checks["tests"], "tests") if checks.get("tests") else None
    if not testbench and tests is None and checks.get("self_tests"):
        tests = inside(checks["self_tests"], "self-written tests")
    reference = inside(checks["reference"], "reference") if checks.get("reference") else None
    return Task(id=record.label, top=record.meta["top"], spec={},
                testbench=tuple(p for p in testbench if p is not None), tests=tests, reference=reference,
                tb_top=checks.get("tb_top"))


def check_options(record: Record, simulator: str | None = None) -> VerifyOptions:
    """The `VerifyOptions` that re-check the record as it was checked (never from the verdict cache)."""
    config = record.meta.get("config") or {}
    checks = record.meta.get("checks") or {}
    by_model = bool(checks.get("self_tests")) and not checks.get("tests") and not checks.get("testbench")
    cost = recorded_cost(record)
    fpga = config.get("fpga") or cost.get("fpga") or ("ice40" if "luts" in cost else None)
    return verify_options(recorded_task(record), simulator=simulator or config.get("simulator") or "icarus",
                          timeout=float(config.get("sim_timeout") or 60.0), lint=bool(config.get("lint", True)),
                          use_cache=False, synth=bool(config.get("synth") or cost or fpga), fpga=fpga,
                          tests_by_model=by_model)


def recorded_cost(record: Record) -> dict[str, Any]:
    """The synthesis figures the record's verdict carries ({} when it was not costed)."""
    verdict = record.meta.get("verdict")
    cost = verdict.get("cost") if isinstance(verdict, dict) else None
    return cost if isinstance(cost, dict) else {}


def recorded_design(record: Record) -> Design | None:
    """The design files the record lists, read from the folder; None when one is gone."""
    paths = [_inside(record.folder, name, "design file", record.design_problems) for name in record.meta["files"]]
    if not paths:
        record.design_problems.append("the run recorded no design")
    if record.design_problems:
        return None
    return Design.from_paths([p for p in paths if p is not None], top=record.meta["top"])


# -- an exploration's folder ----------------------------------------------------------------------------


def write_explore_point(folder: Path, label: str, point: dict[str, Any]) -> None:
    """One explored point, as soon as it is done (`label` is `N=4,LANES=2`: a safe file name)."""
    points = Path(folder) / EXPLORE_POINTS
    points.mkdir(parents=True, exist_ok=True)
    write_atomic(points / f"{label}.json", json.dumps(point, indent=1, default=str) + "\n")


def read_explore_points(folder: Path) -> dict[str, dict[str, Any]]:
    """The points an earlier exploration into `folder` finished, by label (files that cannot be read are
    skipped: their points run again)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((Path(folder) / EXPLORE_POINTS).glob("*.json")):
        try:
            point = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(point, dict) and point.get("label") == path.stem:
            found[path.stem] = point
    return found


def write_explore(folder: Path, result: dict[str, Any], design: Design, html: str | None = None) -> None:
    """The exploration's result (explore.json), the design explored, and the HTML report."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in design.files.items():
        write_atomic(folder / Path(name).name, text)
    write_atomic(folder / EXPLORE, json.dumps(result, indent=1, default=str) + "\n")
    if html is not None:
        write_atomic(folder / EXPLORE_REPORT, html)
