"""sim/files.py: atomic writes leave files with the mode a plain write gives (summary.json beside results.jsonl)."""

from aigchip.sim.files import write_atomic


def test_an_atomic_write_has_the_mode_of_a_plain_one(tmp_path):
    plain = tmp_path / "results.jsonl"
    plain.write_text("{}\n")
    atomic = write_atomic(tmp_path / "summary.json", "{}\n")
    assert atomic.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    assert atomic.read_text() == "{}\n" and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
