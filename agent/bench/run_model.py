"""The model an eval run's samples call: made as the run starts, handed to the samples after the pre-flight.

Making a chat model starts building its client in the background (the langchain, openai and langsmith
imports and the HTTP client: about 1.2 CPU seconds, all under the GIL, before the first request can leave).
Made before the pre-flight, that overlaps the reference checks, whose simulators run as child processes,
instead of starting after them. What making it decided still takes effect where it always did: a missing API
key (any ModelError or ValueError) is raised when the samples are about to start, and only if one is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from aigchip.models import ModelError

if TYPE_CHECKING:
    from aigchip.config import RunConfig
    from aigchip.task import Task

ModelFactory = Callable[["Task", int], Any]  # (task, sample index) to the model that answers that sample


def begin(config: RunConfig, tasks: list[Task],
          given: ModelFactory | None = None) -> Callable[[list[Task]], ModelFactory]:
    """Start making the run's chat model now (none for reference, offline or replay runs, nor when the caller
    `given` its own factory); the function returned gives the samples' model factory for the tasks still to
    run."""
    if given is not None:
        return lambda todo: given
    made: list[Any] = []
    if config.uses_llm and tasks:
        from aigchip.models.factory import make_model

        try:
            made.append(make_model(config, tasks[0], out_dir=None))
        except (ModelError, ValueError) as exc:
            made.append(exc)

    def factory(todo: list[Task]) -> ModelFactory:
        if made and todo and isinstance(made[0], Exception):
            raise made[0]
        if made and todo:
            shared = made[0]
            return lambda task, sample: shared
        return default_models(config, todo)

    return factory


def default_models(config: RunConfig, tasks: list[Task]) -> ModelFactory:
    """One model shared by every sample (endpoint, replay), built now so that a missing API key stops the
    run before it starts; the offline baseline is built per task (it answers from that task's spec)."""
    if config.model == "reference" or not tasks:
        return lambda task, sample: None
    from aigchip import demos
    from aigchip.models.factory import make_model

    if config.model == "offline":
        entries = demos.corpus_for(config)[0]
        return lambda task, sample: make_model(config, task, out_dir=None, demo_entries=entries)
    shared = make_model(config, tasks[0], out_dir=None)
    return lambda task, sample: shared
