"""The model layer, one package: the protocol (`Model`, `Message`, `Reply`, `Usage`, `ModelError`), the chat
kind for any OpenAI-compatible endpoint (`chat`), the kinds that need no endpoint (`local`: scripted,
replay, manual; `offline`: the labelled no-LLM baseline), the on-disk reply cache (`cache`) and the
factory that builds the model a run's settings name (`factory.make_model`).

Importing it loads neither langchain nor the factory's dependencies.
"""

from aigchip.models.chat import ChatModel, ChatSettings, price
from aigchip.models.protocol import ErrorKind, Message, Model, ModelError, Reply, Usage, messages_digest

__all__ = ["ChatModel", "ChatSettings", "ErrorKind", "Message", "Model", "ModelError", "Reply", "Usage",
           "messages_digest", "price"]
