"""Verilator's kept runtime (sim/verilator_runtime.py) and the builds that link it (sim/verilator_build.py):
an edit recompiles only the model, concurrent first builds compile the runtime once, a broken compiler is a
tool error that leaves nothing behind, and a model's build cannot write the folder other builds link."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from aigchip.sim import process, tools, verilator_build, verilator_runtime
from aigchip.sim.cocotb_run import run_cocotb
from aigchip.sim.types import Design, Status

FIXTURES = Path(__file__).parent / "fixtures" / "cocotb"
needs_verilator = pytest.mark.skipif(not (tools.available("verilator") and shutil.which("c++")),
                                     reason="needs Verilator and a C++ compiler")
pytestmark = [pytest.mark.sim, pytest.mark.verilator, needs_verilator]

# A stand-in C++ compiler: writes each -o target naming the folder it ran in, counts its runs in $FAKE_COUNT
# when that is set (only without the box), fails when $FAKE_FAIL is set, and during a model's build (the
# only compile given -include) tries to overwrite the runtime's objects and plant a file beside them.
FAKE_CXX = textwrap.dedent("""\
    #!/bin/sh
    out=""; pch=""; prev=""
    for a in "$@"; do
      [ "$prev" = "-o" ] && out="$a"
      [ "$prev" = "-include" ] && pch="$a"
      prev="$a"
    done
    [ -n "$FAKE_COUNT" ] && echo run >> "$FAKE_COUNT"
    [ -n "$FAKE_FAIL" ] && { echo "fake c++: internal compiler error" >&2; exit 4; }
    if [ -n "$pch" ]; then
      dir=$(dirname "$pch")
      echo poisoned > "$dir/verilated.o" 2>/dev/null
      echo planted > "$dir/planted.o" 2>/dev/null
    fi
    sleep "${FAKE_SLEEP:-0.1}"
    echo "built in $PWD" > "$out"
    """)


@pytest.fixture
def fake_cxx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "bin" / "fake-c++"
    script.parent.mkdir()
    script.write_text(FAKE_CXX)
    script.chmod(0o755)
    monkeypatch.setenv("CXX", str(script))
    monkeypatch.setenv(verilator_runtime.FOLDER_VARIABLE, str(tmp_path / "runtime"))
    return script


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """The runtime's files (not the lock files, whose time each use touches)."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()[:4096])
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".lock"}


def cocotb_check(tmp_path: Path, fixture: str, sub: str) -> tuple[Status, Path]:
    run_dir = tmp_path / sub
    run_dir.mkdir()
    text = (FIXTURES / fixture).read_text()
    (run_dir / "acc.v").write_text(text)
    verdict = run_cocotb(run_dir, Design(files={"acc.v": text}, top="acc"), FIXTURES / "tb_acc.py", simulator="verilator")
    return verdict.status, run_dir


def test_an_edit_recompiles_the_model_alone_and_its_verdict_follows_the_edit(tmp_path: Path) -> None:
    status, first = cocotb_check(tmp_path, "acc.v", "good")
    assert status is Status.PASS
    runtime = verilator_runtime.root()
    before = snapshot(runtime)
    assert any(name.endswith("verilated.o") for name in before) and any(name.endswith(".gch") for name in before)
    status, second = cocotb_check(tmp_path, "acc_buggy.v", "buggy")  # the edit: one expression changed
    assert status is Status.MISMATCH  # the model really was rebuilt from the edited design
    assert snapshot(runtime) == before  # the kept runtime was linked, not rebuilt or touched
    for run_dir in (first, second):
        log = (run_dir / "cocotb_build.log").read_text()
        assert "not used because" not in log  # GCC took the precompiled header
        built = sorted(p.name for p in (run_dir / "cocotb_build").iterdir() if p.suffix == ".o")
        assert built == []  # no runtime object was compiled into the run folder
    assert not [p for p in runtime.iterdir() if p.name.startswith(".scratch-")]


def test_concurrent_first_builds_compile_the_runtime_once(tmp_path: Path, fake_cxx: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes at once on an empty folder: one compiles, the other waits and links the same files."""
    count = tmp_path / "count"
    env = {**os.environ, "FAKE_COUNT": str(count), "FAKE_SLEEP": "1", "AIGCHIP_BWRAP": "off", "PYTHONPATH": os.pathsep.join(sys.path)}
    code = textwrap.dedent(f"""\
        from pathlib import Path
        from aigchip.sim import verilator_build, verilator_runtime
        _, env, include = verilator_build.verilator_bin()
        rt = verilator_runtime.ensure({str(fake_cxx)!r}, ["-Os", "-DX=1"], include, ["verilated", "verilated_threads"],
                                      ["verilated.h"], {{"PATH": env["PATH"]}})
        print(rt.folder, *(p.read_text().strip() for p in rt.objects), sep="|")
        """)
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert outs[0] == outs[1]  # the same folder and the same objects, built in one scratch folder
    assert len(count.read_text().splitlines()) == 3  # the header and two objects, compiled once


def test_threads_of_one_process_share_one_build(tmp_path: Path, fake_cxx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, env, include = verilator_build.verilator_bin()
    builds = []
    real = verilator_runtime._build
    monkeypatch.setattr(verilator_runtime, "_build", lambda *a: (builds.append(1), real(*a)))
    found = []
    threads = [threading.Thread(target=lambda: found.append(verilator_runtime.ensure(
        str(fake_cxx), ["-Os"], include, ["verilated"], ["verilated.h"], {"PATH": env["PATH"]}))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len(found) == 3 and len({r.folder for r in found}) == 1


def test_a_broken_compiler_is_a_tool_error_and_publishes_nothing(tmp_path: Path, fake_cxx: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIGCHIP_BWRAP", "off")  # the stand-in reads $FAKE_FAIL, which only an unboxed run sees
    monkeypatch.setenv("FAKE_FAIL", "1")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "acc.v").write_text((FIXTURES / "acc.v").read_text())
    with pytest.raises(tools.ToolMissing) as caught:
        verilator_build.for_cocotb(run_dir, "build", "acc", [str(run_dir / "acc.v")], [], [], ["1ns", "1ps"], False, 60)
    assert "internal compiler error" in str(caught.value) and "g++" in caught.value.hint
    runtime = tmp_path / "runtime"
    assert [p.name for p in runtime.iterdir() if not p.name.endswith(".lock")] == []  # no folder, no scratch


@pytest.mark.skipif(process.sandbox_status() != "bubblewrap", reason="needs the bubblewrap box")
def test_a_model_build_cannot_write_the_runtime_it_links(tmp_path: Path, fake_cxx: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "acc.v").write_text((FIXTURES / "acc.v").read_text())
    built = verilator_build.for_cocotb(run_dir, "build", "acc", [str(run_dir / "acc.v")], [], [], ["1ns", "1ps"], False, 60)
    assert built.ok and built.binary and built.binary.read_text().startswith("built in")  # the stand-in ran
    folders = [p for p in (tmp_path / "runtime").iterdir() if p.is_dir()]
    assert len(folders) == 1
    assert not (folders[0] / "planted.o").exists()
    assert (folders[0] / "verilated.o").read_text().startswith("built in")  # not "poisoned"


DAY = 86400.0


def key_folder(base: Path, name: str, built_from: Path | None, last_use: float) -> Path:
    """A key folder as held() leaves it: objects, its key.json naming what it was built from, its lock file."""
    folder = base / (name * 32)
    folder.mkdir(parents=True)
    (folder / "verilated.o").write_text("object")
    if built_from is not None:
        st = built_from.stat()
        stamp = [str(built_from), st.st_size, st.st_mtime_ns]
        (folder / verilator_runtime.KEY_FILE).write_text(json.dumps(
            {"compiler": stamp, "verilated.mk": stamp, "sources": [stamp], "headers": []}))
    lock = base / f"{folder.name}.lock"
    lock.touch()
    for path in (lock, folder):
        os.utime(path, (last_use, last_use))
    return folder


def test_old_runtime_folders_are_pruned_but_never_one_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder whose toolchain changed or vanished, or that nobody used for KEEP_DAYS, is removed; one that a
    build holds, the one being used, and a recent one whose toolchain is still there all stay."""
    base = tmp_path / "runtime"
    monkeypatch.setenv(verilator_runtime.FOLDER_VARIABLE, str(base))
    compiler = tmp_path / "c++"
    compiler.write_text("a compiler")
    now = time.time()
    upgraded = tmp_path / "old-c++"
    upgraded.write_text("before the upgrade")
    gone = key_folder(base, "a", upgraded, now)
    upgraded.write_text("after the upgrade, a different size")  # the compiler changed: that key never comes back
    unused = key_folder(base, "b", compiler, now - (verilator_runtime.KEEP_DAYS + 1) * DAY)
    legacy = key_folder(base, "c", None, now - (verilator_runtime.KEEP_DAYS + 1) * DAY)  # built before key.json
    recent = key_folder(base, "d", compiler, now - DAY)
    vanished = tmp_path / "vanished"
    vanished.write_text("a Verilator header, uninstalled below")
    held_gone = key_folder(base, "e", vanished, now - 90 * DAY)
    current = key_folder(base, "f", vanished, now - 90 * DAY)
    vanished.unlink()
    old_scratch, new_scratch = base / ".scratch-x-1", base / ".scratch-y-2"
    for folder, age in ((old_scratch, 2 * DAY), (new_scratch, 0.0)):
        folder.mkdir()
        os.utime(folder, (now - age, now - age))
    with open(base / f"{held_gone.name}.lock", "a") as using:  # a build links it right now
        fcntl.flock(using, fcntl.LOCK_SH)
        removed = verilator_runtime.prune(keep=current.name, now=now)
    assert sorted(removed) == sorted([gone.name, unused.name, legacy.name, old_scratch.name])
    left = sorted(p.name for p in base.iterdir() if p.is_dir())
    assert left == sorted([new_scratch.name, recent.name, held_gone.name, current.name])
    assert (held_gone / "verilated.o").read_text() == "object"
    assert verilator_runtime.prune(keep=current.name, now=now) == [held_gone.name]  # once nobody holds it


def test_a_runtime_in_use_is_held_and_its_last_use_recorded(tmp_path: Path, fake_cxx: Path) -> None:
    _, env, include = verilator_build.verilator_bin()
    args = (str(fake_cxx), ["-Os"], include, ["verilated"], ["verilated.h"], {"PATH": env["PATH"]})
    runtime = verilator_runtime.ensure(*args)
    assert json.loads((runtime.folder / verilator_runtime.KEY_FILE).read_text())["flags"] == ["-Os"]
    lock = runtime.folder.parent / f"{runtime.folder.name}.lock"
    os.utime(lock, (0, 0))
    os.utime(runtime.folder, (0, 0))
    later = time.time() + (verilator_runtime.KEEP_DAYS + 1) * DAY
    with verilator_runtime.held(*args) as same:
        assert same == runtime and lock.stat().st_mtime > 0  # the use is recorded
        assert verilator_runtime.prune(now=later) == []  # held while a build links it
        assert all(p.is_file() for p in runtime.objects)
    assert verilator_runtime.prune(now=later) == [runtime.folder.name]  # unused for too long
    with verilator_runtime.held(*args) as again:  # asked for again: built afresh
        assert all(p.read_text().startswith("built in") for p in again.objects)
