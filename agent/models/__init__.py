"""The model layer, one package: the protocol (`Model`, `Message`, `Reply`, `Usage`, `ModelError`), the chat
kind for any OpenAI-compatible endpoint (`chat`), the kinds that need no endpoint (`local`: scripted,
replay, manual; `offline`: the labelled no-LLM baseline), the on-disk reply cache (`cache`) and the
factory that builds the model a run's settings name (`factory.make_model`).

Importing it loads neither langchain nor the factory's dependencies, and the chat kind (asyncio among its
imports) only when one of its names is first used: a run with no endpoint (eval --model reference) never
loads it.
"""

from typing import TYPE_CHECKING, Any

from aigchip.models.protocol import ErrorKind, Message, Model, ModelError, Reply, Usage, messages_digest

if TYPE_CHECKING:
    from aigchip.models.chat import ChatModel, ChatSettings, price


def __getattr__(name: str) -> Any:
    if name in ("ChatModel", "ChatSettings", "price"):
        from aigchip.models import chat

        return getattr(chat, name)
    raise AttributeError(f"module 'aigchip.models' has no attribute {name!r}")

__all__ = ["ChatModel", "ChatSettings", "ErrorKind", "Message", "Model", "ModelError", "Reply", "Usage",
           "messages_digest", "price"]
