"""Verilator's kept runtime (sim/verilator_runtime.py) and the builds that link it (sim/verilator_build.py):
an edit recompiles only the model, concurrent first builds compile the runtime once, a broken compiler is a
tool error that leaves nothing behind, and a model's build cannot write the folder other builds link."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
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
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()[:4096])
            for p in sorted(folder.rglob("*")) if p.is_file()}


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
