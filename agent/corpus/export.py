"""`aigchip dataset export`: a corpus as fine-tuning data (train.jsonl, val.jsonl; SIDE.meta.jsonl says
line by line which design and grain each example is; export.json holds the summary).

Formats: `chat` ({"messages": [system, user, assistant]}) and `alpaca` ({"instruction", "input",
"output"}). The user turn (alpaca: input) is the description at one grain, then "Module header:" and the
header; the answer is the whole module. Balanced across grains: every design kept appears once per grain
asked, so designs lacking one of those grains are left out (and counted). The train/validation split is
by design (no design on both sides), deterministic for a seed. Designs whose code or any description
nearly matches a benchmark task (demos.near_duplicate's test) are dropped and counted.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any, Iterable, Sequence

from aigchip import prompts
from aigchip.corpus import verilog
from aigchip.corpus.report import Tally
from aigchip.corpus.schema import GRAINS, Entry

FORMATS = ("chat", "alpaca")
BENCH_TEXT_SUFFIXES = (".v", ".sv", ".txt")


# ---- decontamination ----

def benchmark_texts(root: Path) -> tuple[str, list[str]]:
    """(how it was read, the texts of every task: specs and solutions) for a benchmark folder."""
    from aigchip.bench.adapters import load

    try:
        benchmark = load(root)
        texts: list[str] = []
        for task in benchmark.tasks:
            texts += [t for t in (task.spec or {}).values() if isinstance(t, str) and t.strip()]
            for path in (*task.solution, task.reference):
                if path is not None and Path(path).is_file():
                    texts.append(Path(path).read_text(encoding="utf-8", errors="replace"))
        return "adapter", texts
    except Exception:  # noqa: BLE001 - not a layout the adapters know: read the files instead
        pass
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix.lower() in BENCH_TEXT_SUFFIXES]
    return "files", [p.read_text(encoding="utf-8", errors="replace") for p in files]


class Contamination:
    """Task texts as shingle sets, with an inverted index so each entry is compared only with candidates."""

    def __init__(self, texts: Iterable[str]) -> None:
        from aigchip.demos import shingles

        self.sets = [s for s in map(shingles, texts) if s]
        self.by_shingle: dict[tuple[str, ...], list[int]] = {}
        for number, found in enumerate(self.sets):
            for shingle in found:
                self.by_shingle.setdefault(shingle, []).append(number)

    def matches(self, entry: Entry) -> bool:
        from aigchip.demos import near_shingles, shingles

        for text in (entry.code, entry.high_level, entry.detailed, entry.text_at("block"), entry.spec or ""):
            mine = shingles(text) if text.strip() else set()
            candidates = {n for s in mine for n in self.by_shingle.get(s, ())}
            if any(near_shingles(mine, self.sets[n]) for n in candidates):
                return True
        return False


def decontaminate(entries: list[Entry], benches: list[Path], tally: Tally) -> tuple[list[Entry], list[str]]:
    """The entries that match no benchmark task, and the ids of those dropped."""
    if not benches:
        return entries, []
    texts: list[str] = []
    for root in benches:
        how, found = benchmark_texts(root)
        tally.count(f"benchmark_texts_{how}", len(found))
        texts += found
    check = Contamination(texts)
    kept: list[Entry] = []
    dropped: list[Entry] = []
    for entry in entries:
        (dropped if check.matches(entry) else kept).append(entry)
    tally.count("contaminated", len(dropped))
    return kept, [e.id for e in dropped]


# ---- examples ----

def example(entry: Entry, grain: str, fmt: str) -> dict[str, Any]:
    header, _ = verilog.split_header(entry.code)
    system = prompts.render("annotate_export_system", grain=grain).strip()
    user = prompts.render("annotate_export_user", description=entry.text_at(grain), header=header).strip()
    if fmt == "alpaca":
        return {"instruction": system, "input": user, "output": entry.code}
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user},
                         {"role": "assistant", "content": entry.code}]}


def split_by_design(ids: list[str], val: float, seed: int) -> set[str]:
    """The ids in validation: round(val * n) of them, picked by a seeded hash (stable per id)."""
    if val <= 0 or not ids:
        return set()
    def rank(i: str) -> str:
        return hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
    count = min(len(ids) - 1, max(1, round(val * len(ids)))) if len(ids) > 1 else 0
    return set(sorted(ids, key=rank)[:count])


def _write(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def export(entries: list[Entry], out: Path, *, fmt: str = "chat", val: float = 0.0,
           grains: tuple[str, ...] = GRAINS, benches: Sequence[Path] = (), seed: int = 0,
           tally: Tally | None = None) -> dict[str, Any]:
    """Write train.jsonl (and val.jsonl when val > 0) and export.json into `out`; returns the summary."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not 0 <= val < 1:
        raise ValueError(f"--val must be at least 0 and below 1, not {val}")
    unknown = [g for g in grains if g not in GRAINS]
    if unknown or not grains:
        raise ValueError(f"unknown grain(s) {', '.join(unknown) or '(none)'}; use {', '.join(GRAINS)}")
    tally = tally or Tally()
    tally.count("entries", len(entries))
    entries, contaminated = decontaminate(entries, list(benches), tally)
    complete = [e for e in entries if all(e.text_at(g) for g in grains)]
    tally.count("missing_grain", len(entries) - len(complete))
    validation = split_by_design([e.id for e in complete], val, seed)
    sides: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {"train": [], "val": []}
    for entry in complete:
        side = "val" if entry.id in validation else "train"
        sides[side] += [(example(entry, g, fmt), {"id": entry.id, "grain": g}) for g in grains]
    out.mkdir(parents=True, exist_ok=True)
    for side, pairs in sides.items():
        random.Random(f"{seed}:{side}").shuffle(pairs)
        if side == "train" or val > 0:  # examples, and beside them which design and grain each one is
            _write([row for row, _ in pairs], out / f"{side}.jsonl")
            _write([meta for _, meta in pairs], out / f"{side}.meta.jsonl")
    summary = {"out": str(out), "format": fmt, "grains": list(grains), "seed": seed, "val_fraction": val,
               "designs": {"train": len(complete) - len(validation), "val": len(validation)},
               "examples": {side: len(rows) for side, rows in sides.items()},
               "per_grain": {g: len(complete) for g in grains}, "contaminated_ids": contaminated,
               **tally.summary()}
    (out / "export.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary
