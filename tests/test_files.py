"""sim/files.py: atomic writes leave files with the mode a plain write gives (summary.json beside results.jsonl);
several files written together are each made durable before any replaces its old self, with one wait for the
disk; a huge log is read by its ends."""

import errno
import os

import pytest

from aigchip.sim import files
from aigchip.sim.files import read_capped, write_atomic, write_atomic_many


def test_an_atomic_write_has_the_mode_of_a_plain_one(tmp_path):
    plain = tmp_path / "results.jsonl"
    plain.write_text("{}\n")
    atomic = write_atomic(tmp_path / "summary.json", "{}\n")
    assert atomic.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert atomic.read_text() == "{}\n" and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_huge_log_is_read_by_its_two_ends(tmp_path):
    log = tmp_path / "sim.log"
    log.write_bytes(b"first line\n" + b"x" * 5000 + b"\nlast line \xff\n")
    text = read_capped(log, limit=100)
    assert text.startswith("first line") and text.endswith("last line \ufffd\n")
    assert f"[... {log.stat().st_size - 200} bytes of log cut by aigchip ...]" in text and len(text) < 300
    assert read_capped(log, limit=10_000) == log.read_bytes().decode("utf-8", errors="replace")
    assert read_capped(tmp_path / "missing.log") == ""


def _fd_name(fd):
    return os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))


def test_files_written_together_are_all_durable_before_any_replaces_the_old_one(tmp_path, monkeypatch):
    (tmp_path / "summary.json").write_text("old summary\n")
    (tmp_path / "identity.json").write_text("written earlier\n")
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append(("fsync", _fd_name(fd))) or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: events.append(("replace", os.path.basename(b))) or real_replace(a, b))
    write_atomic_many([(tmp_path / "summary.json", "new summary\n"), (tmp_path / "report.md", b"# report\n")],
                      durable=True, also_sync=[tmp_path / "identity.json"])
    assert (tmp_path / "summary.json").read_text() == "new summary\n" and (tmp_path / "report.md").read_text() == "# report\n"
    synced = [name for kind, name in events if kind == "fsync"]
    assert len(synced) == 3 and "identity.json" in synced
    assert sorted(n.split(".")[1] for n in synced if n.startswith(".")) == ["report", "summary"]  # the temp files
    assert [kind for kind, _ in events] == ["fsync"] * 3 + ["replace"] * 2
    assert [name for kind, name in events if kind == "replace"] == ["summary.json", "report.md"]  # in order
    plain = tmp_path / "plain"
    plain.write_text("")
    assert (tmp_path / "report.md").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_failed_fsync_replaces_nothing_and_leaves_no_temp_file(tmp_path, monkeypatch):
    (tmp_path / "summary.json").write_text("old summary\n")

    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError, match="Input/output"):
        write_atomic_many([(tmp_path / "summary.json", "new\n"), (tmp_path / "report.md", "new\n")], durable=True)
    assert (tmp_path / "summary.json").read_text() == "old summary\n" and not (tmp_path / "report.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_fsyncs_issued_together_run_at_once(monkeypatch):
    """Each fsync waits in its own thread, so the filesystem sees them all before the first returns."""
    import threading

    arrived = threading.Barrier(3, timeout=10)
    monkeypatch.setattr(os, "fsync", lambda fd: arrived.wait())
    files.fsync_together([0, 1, 2])  # would deadlock (BrokenBarrierError after 10 s) if they ran one by one
