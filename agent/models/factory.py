"""The model a run's settings name: `make_model(config, task, ...)`, the one place that maps `--model` to a kind."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from aigchip.models.protocol import Model

if TYPE_CHECKING:
    from aigchip.config import RunConfig
    from aigchip.corpus.schema import Entry
    from aigchip.task import Task


def make_model(config: RunConfig, task: Task, *, out_dir: Path | None,
               demo_entries: Sequence[Entry] | None = None) -> Model:
    """`offline` answers from `demo_entries` (default: the corpus the config names); `manual` writes its
    prompt into `out_dir`; `replay` reads `config.replay`; any other name is a chat model behind the
    on-disk reply cache (unless `config.cache` is off). ValueError when the settings cannot make one."""
    if config.model == "offline":
        from aigchip import demos
        from aigchip.models.offline import OfflineModel

        entries = demo_entries if demo_entries is not None else demos.corpus_for(config)[0]
        return OfflineModel(task.spec_text(), task.top, entries, exclude_ids={task.id})
    if config.model == "manual":
        from aigchip.models.local import ManualModel

        return ManualModel((out_dir or Path(".")) / "prompt.md", out=sys.stderr, input_stream=sys.stdin)
    if config.model == "replay":
        from aigchip.models.local import ReplayModel

        if config.replay is None:
            raise ValueError("--model replay needs --replay SESSION.jsonl")
        return ReplayModel(config.replay)
    from aigchip import paths
    from aigchip.models.cache import CachedModel
    from aigchip.models.chat import ChatModel, ChatSettings

    settings = ChatSettings(model=config.model, base_url=config.base_url, api_key_env=config.api_key_env,
                            timeout_s=config.timeout_s, max_retries=config.max_retries,
                            temperature=config.temperature, top_p=config.top_p, max_tokens=config.max_tokens,
                            seed=config.seed, stream=config.stream, prices=config.prices)
    model = ChatModel(settings)
    model.warm_up()  # its imports overlap whatever the caller does before the first request
    return CachedModel(model, paths.cache_root() / "replies", enabled=config.cache)
