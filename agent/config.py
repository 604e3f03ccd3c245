"""One settings object per run, from flags, the environment (AIGCHIP_*, OPENAI_*) and an optional aigchip.toml.

Precedence: command-line flags, then environment, then aigchip.toml ([aigchip] table), then defaults.
The API key itself is never stored here: only the name of the variable that holds it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

LOCAL_KINDS = ("offline", "manual", "replay", "reference")
# A demo is sent only when it is relevant: a BM25 score of DEMO_MIN_SCORE, or DEMO_MIN_COVERAGE of the best
# score the spec's words could reach (short specs cannot score high), and DEMO_MIN_SHARE of the best demo's
# score; a spec no demo fits gets none. Calibrated on the bundled library with tests/fixtures/
# demo_relevance.jsonl (103 labelled specs, 21 that no demo fits): precision@3 0.418 -> 0.912, no spec
# losing its first relevant demo; benchmarks/bench_demo_relevance.py measures it and recalibrates for a corpus.
# BM25 scores grow with the corpus: another corpus may want another minimum (--demo-min-score), and one of
# fewer than DEMO_GRADED_ENTRIES entries (a --learn corpus starting out) gets none.
DEMO_MIN_SCORE, DEMO_MIN_COVERAGE, DEMO_MIN_SHARE, DEMO_GRADED_ENTRIES = 12.0, 0.35, 0.7, 20
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = "offline"  # an endpoint's model name, or offline / manual / replay (/ reference in eval)
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    replay: Path | None = None  # session.jsonl to replay replies from
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    timeout_s: float = 120.0
    max_retries: int = 4
    stream: bool = False
    prices: dict[str, tuple[float, float]] = Field(default_factory=dict)  # $ per 1M prompt, completion tokens
    max_iters: int = Field(4, ge=1)
    samples: int = Field(1, ge=1)
    demos: int = Field(3, ge=0)
    demo_tokens: int = Field(3000, ge=0)
    demo_min_score: float = Field(DEMO_MIN_SCORE, ge=0)  # see DEMO_MIN_SCORE
    demo_min_coverage: float = Field(DEMO_MIN_COVERAGE, ge=0, le=1)
    demo_min_share: float = Field(DEMO_MIN_SHARE, ge=0, le=1)
    corpus: Path | None = None  # a corpus JSONL for demonstrations (default: the bundled library)
    feedback: Literal["golden", "self", "lint", "none"] = "golden"
    simulator: Literal["icarus", "verilator", "both"] = "icarus"  # both: Icarus and Verilator must agree
    sim_timeout: float = Field(60.0, gt=0)
    synth: bool = False  # cost every checked design with yosys (cells, flip-flops; LUTs etc. with fpga)
    fpga: Literal["ice40", "ecp5"] | None = None
    optimize: Literal["area", "fmax", "latency"] | None = None  # after a pass, ask for cheaper designs (agent/optimize.py)
    optimize_rounds: int = Field(3, ge=1)
    optimize_target: float | None = None  # stop once the area (LUTs, else cells) or cycles per job is at most this, or Fmax at least
    lint: bool = True
    jobs: int = Field(2, ge=1)
    budget_tokens: int | None = None
    budget_usd: float | None = None
    cache: bool = True
    # where bubblewrap cannot start, run model-written Python anyway (also --allow-unsandboxed-python,
    # AIGCHIP_ALLOW_UNSANDBOXED_PYTHON=1); applied by the command line before any run (sim/sandbox.py)
    allow_unsandboxed_python: bool = False

    @property
    def uses_llm(self) -> bool:
        return self.model not in LOCAL_KINDS


_ENV_KEYS = {
    "AIGCHIP_MODEL": "model", "OPENAI_BASE_URL": "base_url", "AIGCHIP_BASE_URL": "base_url",
    "AIGCHIP_API_KEY_ENV": "api_key_env", "AIGCHIP_MAX_ITERS": "max_iters", "AIGCHIP_SAMPLES": "samples",
    "AIGCHIP_DEMOS": "demos", "AIGCHIP_DEMO_MIN_SCORE": "demo_min_score", "AIGCHIP_FEEDBACK": "feedback", "AIGCHIP_SIM": "simulator",
    "AIGCHIP_TEMPERATURE": "temperature", "AIGCHIP_SEED": "seed", "AIGCHIP_BUDGET_TOKENS": "budget_tokens",
    "AIGCHIP_BUDGET_USD": "budget_usd", "AIGCHIP_CORPUS": "corpus", "AIGCHIP_MAX_RETRIES": "max_retries",
    "AIGCHIP_TIMEOUT": "timeout_s", "AIGCHIP_SIM_TIMEOUT": "sim_timeout",
}


def _from_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        path = Path("aigchip.toml")
        if not path.is_file():
            return {}
    import tomllib  # only when there is a file to read (about 4 ms of start-up otherwise)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return dict(data.get("aigchip", data))


def load_config(flags: Mapping[str, Any] | None = None, *, env: Mapping[str, str] | None = None,
                config_file: Path | None = None) -> RunConfig:
    """Merge the sources; with no model named, use an OpenAI-compatible endpoint if one is configured,
    else the labelled no-LLM `offline` baseline."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = _from_toml(config_file)
    merged.update({field: env[name] for name, field in _ENV_KEYS.items() if env.get(name)})
    merged.update({k: v for k, v in (flags or {}).items() if v is not None})
    if "model" not in merged:
        key_env = merged.get("api_key_env", "OPENAI_API_KEY")
        if merged.get("base_url") or env.get(key_env):
            merged["model"] = DEFAULT_OPENAI_MODEL if not merged.get("base_url") else "default"
    return RunConfig.model_validate(merged)


def record(config: RunConfig) -> dict[str, Any]:
    """The config as saved with a run (no secrets live in it, only the key's variable name)."""
    return config.model_dump(mode="json")
