"""`aigchip eval`: pass@k, the runner (concurrency, checks limited to --jobs, resume, full disk), reports, CLI."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from aigchip.bench import passk, results
from aigchip.bench.adapters import load
from aigchip.bench.runner import EvalError, run_eval
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.models import ModelError
from aigchip.sim.types import Status, Verdict

EXAMPLE = Path(__file__).parent.parent / "datasets" / "examples" / "mac8"
GOOD = (EXAMPLE / "mac8.v").read_text()
BUGGY = GOOD.replace("16'sh7fff", "16'sh7ffe")
KEYS = ("benchmark", "model", "tasks", "samples_per_task", "pass_at_k", "status_counts", "feedback", "toolchain")


def fenced(code: str) -> str:
    return f"Here is the design.\n\n```verilog\n{code}\n```\n"


def make_bench(root: Path, names: list[str], *, solution: str = GOOD, with_solution: bool = True) -> Path:
    """Native task folders built from the mac8 example, each with its own spec sentence."""
    for name in names:
        folder = root / name
        folder.mkdir(parents=True)
        shutil.copyfile(EXAMPLE / "tb_mac8.v", folder / "tb_mac8.v")
        shutil.copyfile(EXAMPLE / "interface.v", folder / "interface.v")
        meta = {"id": name, "top": "mac8", "testbench": "tb_mac8.v", "interface": "interface.v",
                "spec": f"Task {name}: a signed int8 multiply-accumulate unit mac8 with a saturating 16-bit "
                        "accumulator acc and a sticky saturation flag sat."}
        if with_solution:
            (folder / "mac8.v").write_text(solution)
            meta["solution"] = "mac8.v"
        (folder / "task.json").write_text(json.dumps(meta))
    return root


def config(**overrides) -> RunConfig:
    return RunConfig(**{"model": "scripted", "demos": 0, "max_iters": 1, "lint": False, "cache": False} | overrides)


def fake_check(pairs, jobs=1):
    """Pass exactly the designs that saturate at 0x7fff (no simulator needed)."""
    return [Verdict(status=Status.PASS if "16'sh7fff" in "".join(d.files.values()) else Status.MISMATCH)
            for d, _ in pairs]


def scripted(plan: dict[tuple[str, int], list]):
    """A model factory: sample (task, i) answers from its own script."""
    calls: list[tuple[str, int]] = []

    def factory(task, sample):
        calls.append((task.id, sample))
        return ScriptedModel([fenced(r) if isinstance(r, str) else r for r in plan[(task.id, sample)]])

    factory.calls = calls
    return factory


def lines_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


# -- pass@k ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,c,k,expected", [
    (5, 0, 1, 0.0), (5, 1, 1, 0.2), (5, 5, 1, 1.0),
    (5, 0, 5, 0.0), (5, 1, 5, 1.0), (5, 5, 5, 1.0),
    (5, 2, 2, 1 - 3 / 10),  # 1 - C(3,2)/C(5,2)
    (3, 1, 2, 2 / 3), (10, 3, 4, 1 - 35 / 210),  # 1 - C(7,4)/C(10,4)
])
def test_pass_at_k_matches_hand_computed_values(n, c, k, expected):
    assert passk.pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_only_for_k_up_to_n():
    with pytest.raises(ValueError):
        passk.pass_at_k(3, 1, 5)
    assert passk.pass_at_ks([(3, 1), (3, 2)], [1, 3, 5, 10]) == {"1": 0.5, "3": 1.0}
    assert passk.pass_at_k(2000, 1, 1) == pytest.approx(1 / 2000)  # large n: no overflow


# -- the runner with a scripted model (no simulator) -----------------------------------------------------

def test_known_replies_give_known_pass_at_k_and_one_transcript_per_sample(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a", "task_b"]))
    plan = {("task_a", 0): [GOOD], ("task_a", 1): [BUGGY], ("task_a", 2): [BUGGY],
            ("task_b", 0): [GOOD], ("task_b", 1): [GOOD], ("task_b", 2): [BUGGY]}
    out = tmp_path / "out"
    summary = run_eval(bench, config(), samples=3, ks=[1, 2, 3, 5], out_dir=out, model_factory=scripted(plan),
                       check=fake_check)
    assert all(key in summary for key in KEYS)
    assert summary["pass_at_k"] == {"1": pytest.approx(0.5), "2": pytest.approx((2 / 3 + 1) / 2), "3": 1.0}
    assert summary["status_counts"] == {"mismatch": 3, "pass": 3}
    assert summary["tasks"] == 2 and summary["samples_per_task"] == 3 and summary["feedback"] == "golden"
    rows = lines_of(out)
    assert sorted((r["task"], r["sample"]) for r in rows) == sorted(plan)
    for row in rows:
        for key in ("task", "sample", "status", "iterations", "tokens", "stopped", "duration_s", "statuses"):
            assert key in row
        assert (out / "transcripts" / row["task"] / f"s{row['sample']}" / "session.jsonl").is_file()
    assert json.loads((out / "summary.json").read_text())["pass_at_k"] == summary["pass_at_k"]


def test_pass_rate_by_iteration_counts_every_sample(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a"]))
    plan = {("task_a", 0): [BUGGY, GOOD], ("task_a", 1): [BUGGY, BUGGY, BUGGY]}
    summary = run_eval(bench, config(max_iters=3), samples=2, ks=[1], out_dir=tmp_path / "out",
                       model_factory=scripted(plan), check=fake_check)
    assert summary["pass_rate_by_iteration"] == {"1": 0.0, "2": 0.5, "3": 0.5}
    rows = {r["sample"]: r for r in lines_of(tmp_path / "out")}
    assert rows[0]["statuses"] == ["mismatch", "pass"] and rows[0]["passed_at"] == 2
    assert rows[1]["statuses"] == ["mismatch"] * 3 and rows[1]["iterations"] == 3


def test_a_failed_model_call_or_a_crash_counts_as_a_failure(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a"]))
    plan = {("task_a", 0): [GOOD], ("task_a", 1): [ModelError("server", "the endpoint failed with HTTP 500")]}
    factory = scripted(plan)

    def crashing(task, sample):
        if sample == 2:
            raise RuntimeError("a bug")
        return factory(task, sample)

    summary = run_eval(bench, config(), samples=3, ks=[1, 3], out_dir=tmp_path / "out", model_factory=crashing,
                       check=fake_check)
    assert summary["pass_at_k"] == {"1": pytest.approx(1 / 3), "3": 1.0}
    assert summary["status_counts"] == {"pass": 1, "tool_error": 2}
    assert summary["samples"]["model_errors"] == 1 and summary["samples"]["crashes"] == 1
    rows = {r["sample"]: r for r in lines_of(tmp_path / "out")}
    assert rows[1]["stopped"] == "model_error" and "HTTP 500" in rows[1]["message"]
    assert rows[2]["stopped"] == "crash" and "a bug" in rows[2]["message"]


def test_model_calls_overlap_while_checks_stay_within_jobs(tmp_path):
    bench = load(make_bench(tmp_path / "bench", [f"t{i}" for i in range(8)]))
    lock, running, most = threading.Lock(), [0], [0]

    class SlowModel(ScriptedModel):
        def complete(self, messages, *, n=1, sample_index=0):
            time.sleep(0.3)
            return super().complete(messages, n=n, sample_index=sample_index)

    def counting_check(pairs, jobs=1):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return fake_check(pairs)

    started = time.monotonic()
    summary = run_eval(bench, config(), samples=1, ks=[1], out_dir=tmp_path / "out", concurrency=8, jobs=2,
                       model_factory=lambda task, sample: SlowModel([fenced(GOOD)]), check=counting_check)
    elapsed = time.monotonic() - started
    assert summary["pass_at_k"] == {"1": 1.0}
    assert elapsed < 8 * 0.3 / 2, elapsed  # sequential model calls would take 2.4 s
    assert most[0] <= 2


def test_resume_skips_finished_samples_and_ignores_a_torn_last_line(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a", "task_b"]))
    plan = {(t, s): [GOOD if s == 0 else BUGGY] for t in ("task_a", "task_b") for s in range(3)}
    out = tmp_path / "out"
    run_eval(bench, config(), samples=3, ks=[1], out_dir=out, model_factory=scripted(plan), check=fake_check)
    kept = (out / "results.jsonl").read_text().splitlines(keepends=True)[:4]
    (out / "results.jsonl").write_text("".join(kept) + '{"task": "task_b", "sample": 2, "sta')  # killed mid-write
    factory = scripted(plan)
    summary = run_eval(bench, config(), samples=3, ks=[1, 3], out_dir=out, model_factory=factory, check=fake_check,
                       resume=True)
    done_before = {(r["task"], r["sample"]) for r in map(json.loads, kept)}
    assert len(factory.calls) == 2 and not done_before & set(factory.calls)
    rows = lines_of(out)
    assert len(rows) == 6 and len({(r["task"], r["sample"]) for r in rows}) == 6
    assert summary["pass_at_k"] == {"1": pytest.approx(1 / 3), "3": 1.0}
    assert summary["samples"]["resumed"] == 4 and summary["samples"]["left_out_lines"] == 1


def test_resume_tries_model_errors_again(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a"]))
    out = tmp_path / "out"
    run_eval(bench, config(), samples=2, ks=[1], out_dir=out, check=fake_check,
             model_factory=scripted({("task_a", 0): [GOOD], ("task_a", 1): [ModelError("unreachable", "down")]}))
    factory = scripted({("task_a", 1): [GOOD]})
    summary = run_eval(bench, config(), samples=2, ks=[1], out_dir=out, check=fake_check, model_factory=factory,
                       resume=True)
    assert factory.calls == [("task_a", 1)] and summary["pass_at_k"] == {"1": 1.0}
    assert sorted((r["sample"], r["status"]) for r in lines_of(out)) == [(0, "pass"), (1, "pass")]


def test_samples_that_finish_together_are_made_durable_by_one_fsync(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    path = tmp_path / "results.jsonl"
    with results.ResultsFile(path, resume=False) as kept:
        for sample in range(3):
            kept.append({"task": "task_a", "sample": sample, "status": "pass"}, sync=False)
        assert synced == [] and len(path.read_text().splitlines()) == 3  # each line written at once, whole
        kept.sync()
        kept.append({"task": "task_a", "sample": 3, "status": "pass"})  # alone: durable at once, as before
    assert len(synced) == 2
    assert [r["sample"] for r in results.read_results(path)[0]] == [0, 1, 2, 3]


def test_every_file_of_a_run_is_durable_and_its_identity_before_any_result(tmp_path, monkeypatch):
    """The run's own files are made durable in two batches (before the first sample: identity, pre-flight,
    partial summary; at the end: summary and reports), each one wait for the disk, plus results.jsonl's."""
    synced = []
    real = os.fsync

    def record(fd):
        name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        synced.append(name.split(".")[1] + "." + name.split(".")[2] if name.startswith(".") else name)
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    bench = load(make_bench(tmp_path / "bench", ["task_a", "task_b"]))
    out = tmp_path / "out"
    run_eval(bench, config(), samples=2, ks=[1], out_dir=out, check=fake_check, concurrency=1,
             model_factory=scripted({(t, s): [GOOD] for t in ("task_a", "task_b") for s in range(2)}))
    names = ["run_identity.json", "preflight.json", "summary.json", "report.md", "report.html", "results.jsonl"]
    assert set(names) <= set(synced), synced
    assert synced.index("run_identity.json") < synced.index("results.jsonl")
    assert synced.index("preflight.json") < synced.index("results.jsonl")
    ends = synced[-3:]
    assert sorted(ends) == ["report.html", "report.md", "summary.json"]
    assert json.loads((out / "summary.json").read_text())["complete"] is True
    assert (out / "report.md").read_text().strip() and sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp")) == []


def test_reference_samples_are_the_preflights_verdicts_recorded_at_once(tmp_path, monkeypatch):
    """A reference the pre-flight judged needs no second check: every such sample is recorded in one batch
    (one fsync of results.jsonl), without waiting on the sample pool."""
    good = [f"good_{i}" for i in range(6)]
    root = make_bench(tmp_path / "bench", good)
    make_bench(root, ["broken"], solution=BUGGY)
    calls = []

    def counting(pairs, jobs=1):
        calls.append(len(pairs))
        return fake_check(pairs, jobs)

    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
                        or real(fd))
    out = tmp_path / "out"
    summary = run_eval(load(root), config(model="reference"), samples=3, ks=[1], out_dir=out, check=counting,
                       concurrency=1)  # a pool would hold 2 samples, so at least 3 batches
    assert calls == [7]  # the pre-flight's one call: no sample checks again
    assert synced.count("results.jsonl") == 1
    assert sorted((r["task"], r["status"], r["stopped"]) for r in lines_of(out)) == [
        (t, "pass", "reference") for t in good]
    assert summary["pass_at_k"] == {"1": 1.0} and [f["task"] for f in summary["reference_failures"]] == ["broken"]


def test_a_full_disk_leaves_a_valid_results_file_and_a_clear_error(tmp_path, monkeypatch):
    bench = load(make_bench(tmp_path / "bench", ["task_a", "task_b"]))
    plan = {(t, s): [GOOD] for t in ("task_a", "task_b") for s in range(3)}
    writes = []

    def filling_disk(fd, data):
        writes.append(len(data))
        if len(writes) < 3:
            return os.write(fd, data)
        os.write(fd, data[: len(data) // 2])  # half a line reaches the file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results, "_write", filling_disk)
    out = tmp_path / "out"
    with pytest.raises(results.ResultsWriteError, match=r"disk is full.*--resume"):
        run_eval(bench, config(), samples=3, ks=[1], out_dir=out, model_factory=scripted(plan), check=fake_check,
                 concurrency=1)
    text = (out / "results.jsonl").read_text()
    assert text.endswith("\n") and len(lines_of(out)) == 2  # the torn third line was rolled back
    assert json.loads((out / "summary.json").read_text())["complete"] is False
    monkeypatch.setattr(results, "_write", os.write)
    summary = run_eval(bench, config(), samples=3, ks=[1], out_dir=out, model_factory=scripted(plan),
                       check=fake_check, resume=True)
    assert summary["pass_at_k"] == {"1": 1.0} and len(lines_of(out)) == 6


def test_resume_refuses_another_runs_folder_and_a_rerun_will_not_overwrite(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a"]))
    out = tmp_path / "out"
    run_eval(bench, config(), samples=1, ks=[1], out_dir=out, model_factory=scripted({("task_a", 0): [GOOD]}),
             check=fake_check)
    with pytest.raises(EvalError, match="already holds results"):
        run_eval(bench, config(), samples=1, ks=[1], out_dir=out, check=fake_check)
    with pytest.raises(EvalError, match="feedback"):
        run_eval(bench, config(feedback="lint"), samples=1, ks=[1], out_dir=out, check=fake_check, resume=True)
    with pytest.raises(EvalError, match="no task matches"):
        run_eval(bench, config(), samples=1, ks=[1], out_dir=tmp_path / "o2", task_glob="nothing*", check=fake_check)


def test_reports_hold_the_numbers_and_well_formed_svg(tmp_path):
    bench = load(make_bench(tmp_path / "bench", ["task_a", "task_b"]))
    plan = {("task_a", 0): [BUGGY, GOOD], ("task_b", 0): [BUGGY, BUGGY]}
    out = tmp_path / "out"
    run_eval(bench, config(max_iters=2), samples=1, ks=[1], out_dir=out, model_factory=scripted(plan),
             check=fake_check, task_glob="task_*")
    markdown = (out / "report.md").read_text()
    assert "| 1 | 50.0% |" in markdown and "| task_b | 1 | 0 | mismatch 1 |" in markdown
    page = (out / "report.html").read_text()
    svgs = page.split("<svg")[1:]
    assert len(svgs) == 3 and "<script" not in page
    for svg in svgs:
        ElementTree.fromstring("<svg" + svg.split("</svg>")[0] + "</svg>")


# -- reference mode and the command line (simulator) --------------------------------------------------

@pytest.mark.sim
def test_reference_mode_passes_every_good_reference_and_reports_bad_ones_as_benchmark_problems(tmp_path):
    root = make_bench(tmp_path / "bench", ["good_a", "good_b"])
    make_bench(root, ["broken"], solution=BUGGY)
    make_bench(root, ["unsolved"], with_solution=False)
    summary = run_eval(load(root), config(model="reference"), samples=5, ks=[1, 5], out_dir=tmp_path / "out")
    assert summary["samples_per_task"] == 1 and summary["pass_at_k_all_tasks"] == {"1": pytest.approx(2 / 3)}
    assert summary["pass_at_k"] == {"1": 1.0} and summary["denominators"] == {"sound_tasks": 2, "all_tasks": 3}
    assert [f["task"] for f in summary["reference_failures"]] == ["broken"]
    assert summary["reference_failures"][0]["status"] == "mismatch"  # it ran: the other simulator is not tried
    assert list(summary["reference_failures"][0]["simulators"]) == ["icarus"]
    assert summary["skipped"] == [{"task": "unsolved", "reason": "no reference solution"}]
    good = run_eval(load(root), config(model="reference"), samples=1, ks=[1], out_dir=tmp_path / "out2",
                    task_glob="good_*")
    assert good["pass_at_k"] == {"1": 1.0} and good["reference_failures"] == [] and good["status_counts"] == {"pass": 2}


def aigchip(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aigchip.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env or os.environ.copy())


@pytest.mark.sim
def test_eval_cli_json_contract_in_reference_mode(tmp_path):
    root = make_bench(tmp_path / "bench", ["good_a", "good_b"])
    result = aigchip("eval", str(root), "--model", "reference", "--no-lint", "--out", str(tmp_path / "out"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert all(key in summary for key in KEYS) and summary["pass_at_k"] == {"1": 1.0}
    assert summary["toolchain"]["iverilog"] != "missing" and "generate" in summary["templates"]
    readable = aigchip("eval", str(root), "--model", "reference", "--no-lint", "--out", str(tmp_path / "o2"))
    assert readable.returncode == 0 and "pass@1 100.0%" in readable.stdout


def test_eval_cli_usage_errors_exit_2(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "notes.txt").write_text("not a benchmark")
    for folder in ("empty", "odd"):
        result = aigchip("eval", str(tmp_path / folder), "--model", "reference")
        assert result.returncode == 2 and "native" in result.stderr and "verilog-eval-v2" in result.stderr
        assert "Traceback" not in result.stderr
    root = make_bench(tmp_path / "bench", ["task_a"])
    for args in (["-k", "0"], ["-k", "one"], ["--resume"], ["--feedback", "loud"]):
        result = aigchip("eval", str(root), "--model", "reference", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (args, result.stderr)


def test_eval_cli_without_an_api_key_stops_before_it_starts(tmp_path):
    root = make_bench(tmp_path / "bench", ["task_a"])
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIGCHIP_BASE_URL")}
    result = aigchip("eval", str(root), "--model", "gpt-4o-mini", "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 2 and "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "results.jsonl").read_text()


@pytest.mark.sim
def test_resume_after_sigkill_runs_every_sample_once_and_asks_nothing_twice(tmp_path):
    from aigchip.loopback import Loopback, Response

    names = ["task_a", "task_b", "task_c"]
    root = make_bench(tmp_path / "bench", names)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    with Loopback(handler=lambda body: Response.text(fenced(GOOD), delay_s=0.4)) as server:
        args = [sys.executable, "-m", "aigchip.cli", "eval", str(root), "--model", "served", "--base-url",
                server.base_url, "--seed", "100", "-n", "3", "-k", "1,3", "--max-iters", "1", "--no-lint",
                "--demos", "0", "--concurrency", "2", "--jobs", "2", "--out", str(out), "--json"]
        first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if (out / "results.jsonl").is_file() and len((out / "results.jsonl").read_text().splitlines()) >= 2:
                break
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        finished_first = {(r["task"], r["sample"]) for r in results.read_results(out / "results.jsonl")[0]}
        asked_first = len(server.completions())
        assert 2 <= len(finished_first) < 9
        second = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=300, env=env)
        assert second.returncode == 0, second.stderr
        asked = [_sample_asked(r.body, names) for r in server.completions()]
    rows = lines_of(out)
    assert sorted((r["task"], r["sample"]) for r in rows) == [(t, s) for t in names for s in range(3)]
    assert not finished_first & set(asked[asked_first:])  # nothing finished was asked for again
    assert all(asked.count(pair) <= 2 for pair in set(asked)) and len(asked) <= 9 + 2  # at most the 2 in flight
    summary = json.loads(second.stdout)
    assert summary["pass_at_k"] == {"1": 1.0, "3": 1.0} and summary["samples"]["resumed"] == len(finished_first)


def _sample_asked(body: dict, names: list[str]) -> tuple[str, int]:
    prompt = body["messages"][-1]["content"]
    task = next(name for name in names if f"Task {name}:" in prompt)
    return task, body["seed"] - 100
