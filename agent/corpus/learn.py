"""`aigchip generate --learn`: a design that passed goes into the user's corpus, so later runs can pick it
as a demonstration (`--corpus`, or $AIGCHIP_CORPUS).

With a model that can write (any kind but offline, manual and replay), the descriptions come from the
annotate prompts, bottom-up; otherwise, or when that fails, the spec is the detailed description and its
first sentence the high-level one (no block summaries). The user's spec is kept in `spec` either way.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from aigchip.corpus import verilog
from aigchip import paths
from aigchip.corpus.annotate import AnnotationError, Annotator, first_sentence
from aigchip.corpus.schema import Checks, Entry, ids_in
from aigchip.models import Model, ModelError, Usage

NO_WRITING_KINDS = ("offline", "manual", "replay")


class Learned(BaseModel):
    corpus: str
    id: str
    added: bool
    descriptions: str  # "model" or "spec"
    message: str = ""
    tokens: int = 0


def default_corpus() -> Path:
    return paths.user_corpus()


def _known_ids(corpus: Path) -> set[str]:
    """Ids already in the user's corpus; unlike `build.done_ids`, never cuts an unterminated last line."""
    return ids_in(corpus.read_bytes()) if corpus.is_file() else set()


def _append(corpus: Path, entry: Entry) -> None:
    corpus.parent.mkdir(parents=True, exist_ok=True)
    needs_newline = corpus.is_file() and corpus.stat().st_size > 0 and not corpus.read_bytes().endswith(b"\n")
    with corpus.open("a", encoding="utf-8") as handle:
        handle.write(("\n" if needs_newline else "") + entry.model_dump_json() + "\n")


def describe(code: str, top: str, spec: str, model: Model | None) -> tuple[dict, str, str, Usage]:
    """(description fields, "model" | "spec", a note on why the spec was used, tokens spent)."""
    if model is not None and getattr(model, "kind", "") not in NO_WRITING_KINDS:
        annotator = Annotator(model)
        try:
            note = annotator.annotate(code, top)
            return ({"high_level": note.high_level, "detailed": note.detailed, "blocks": note.blocks}, "model", "",
                    annotator.total())
        except (ModelError, AnnotationError) as exc:
            why = f"the model could not describe it ({getattr(exc, 'message', exc)}); the spec is used instead"
            return {"high_level": first_sentence(spec), "detailed": spec.strip()}, "spec", why, annotator.total()
    return {"high_level": first_sentence(spec), "detailed": spec.strip()}, "spec", "", Usage()


def learn(code: str, top: str, spec: str, corpus: Path, *, model: Model | None = None,
          simulated: bool = False, source: str = "aigchip-generate") -> Learned:
    """Append the design to `corpus` unless an entry with the same code is there already."""
    entry_id = verilog.entry_id(top, code)
    if entry_id in _known_ids(corpus):
        return Learned(corpus=str(corpus), id=entry_id, added=False, descriptions="",
                       message="the corpus already holds this design")
    fields, how, note, usage = describe(code, top, spec, model)
    entry = Entry(id=entry_id, top=top, code=code, spec=spec.strip(), source=source, tags=["learned"],
                  checks=Checks(compiles=True, simulates=True if simulated else None), **fields)
    _append(corpus, entry)
    return Learned(corpus=str(corpus), id=entry_id, added=True, descriptions=how, message=note,
                   tokens=usage.total_tokens)
