"""`aigchip eval --executor ray`: the checks as Ray tasks give the same results as local threads."""

from __future__ import annotations

import builtins

import pytest
from typer.testing import CliRunner

from aigchip.bench import ray_executor
from aigchip.bench.adapters import load
from aigchip.bench.runner import EvalError, run_eval
from tests.test_eval import config, make_bench

HINT = "pip install 'aigchip[ray]'"


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    ray = pytest.importorskip("ray")
    cache = tmp_path_factory.mktemp("ray-aigchip-cache")  # the workers' own cache, away from the user's
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"AIGCHIP_CACHE_DIR": str(cache)}})
    yield ray
    ray.shutdown()


@pytest.mark.sim
def test_ray_executor_matches_local_in_reference_mode(tmp_path, local_ray):
    root = make_bench(tmp_path / "bench", ["good_a", "good_b"])
    make_bench(root, ["broken"], solution=(root / "good_a" / "mac8.v").read_text().replace("16'sh7fff", "16'sh7ffe"))
    runs = {executor: run_eval(load(root), config(model="reference"), samples=1, ks=[1], jobs=2,
                               out_dir=tmp_path / executor, executor=executor)
            for executor in ("local", "ray")}
    local, ray = runs["local"], runs["ray"]
    assert ray["executor"] == "ray" and local["executor"] == "local"
    assert ray["pass_at_k"] == local["pass_at_k"] == {"1": 1.0}  # the broken reference is left out
    assert ray["pass_at_k_all_tasks"] == local["pass_at_k_all_tasks"] == {"1": pytest.approx(2 / 3)}
    assert ray["status_counts"] == local["status_counts"]
    assert [f["task"] for f in ray["reference_failures"]] == ["broken"]


@pytest.mark.sim
def test_ray_check_runs_on_ray_and_keeps_the_input_order(local_ray):
    from aigchip.sim.check import VerifyOptions
    from aigchip.sim.types import Design, Status
    from tests.test_eval import BUGGY, EXAMPLE, GOOD

    options = VerifyOptions(testbench=(EXAMPLE / "tb_mac8.v",), lint=False, use_cache=False)
    pairs = [(Design(files={"mac8.v": text}, top="mac8"), options) for text in (BUGGY, GOOD, BUGGY)]
    check = ray_executor.make_ray_check(None, jobs=2)
    assert check([], jobs=2) == []
    assert [v.status for v in check(pairs, jobs=2)] == [Status.MISMATCH, Status.PASS, Status.MISMATCH]
    assert ray_executor._remote_verify is not None  # the checks went through the Ray task, not a fallback


def _without_ray(monkeypatch):
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)


def test_missing_ray_is_a_usage_error_with_the_install_hint(tmp_path, monkeypatch):
    _without_ray(monkeypatch)
    with pytest.raises(ray_executor.RayUnavailable, match=r"pip install 'aigchip\[ray\]'"):
        ray_executor.make_ray_check(None, jobs=1)
    with pytest.raises(EvalError, match=r"pip install 'aigchip\[ray\]'"):
        run_eval(load(make_bench(tmp_path / "bench", ["good_a"])), config(model="reference"), samples=1, ks=[1],
                 out_dir=tmp_path / "out", executor="ray")


def test_eval_cli_without_ray_exits_2_with_the_install_hint(tmp_path, monkeypatch):
    from aigchip.cli import app

    root = make_bench(tmp_path / "bench", ["good_a"])
    _without_ray(monkeypatch)
    result = CliRunner().invoke(app, ["eval", str(root), "--model", "reference", "--executor", "ray",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert HINT in (result.stderr if hasattr(result, "stderr") else result.output)
    assert not (tmp_path / "out" / "results.jsonl").exists()


def test_eval_cli_rejects_an_unknown_executor(tmp_path):
    from aigchip.cli import app

    root = make_bench(tmp_path / "bench", ["good_a"])
    result = CliRunner().invoke(app, ["eval", str(root), "--model", "reference", "--executor", "dask"])
    assert result.exit_code == 2
