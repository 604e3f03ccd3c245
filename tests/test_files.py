"""sim/files.py: atomic writes leave files with the mode a plain write gives (summary.json beside results.jsonl);
a huge log is read by its ends."""

from aigchip.sim.files import read_capped, write_atomic


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
