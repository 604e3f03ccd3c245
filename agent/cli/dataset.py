"""`aigchip dataset ...`: the multi-grained corpus."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from enum import Enum

from aigchip.cli.common import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, ExistingFile, usage


class ExportFormat(str, Enum):
    chat = "chat"
    alpaca = "alpaca"


def _dataset_report(summary: dict, lines: list[str], json_out: bool) -> None:
    """The summary as JSON on stdout, or lines for a person (problems on stderr)."""
    from aigchip.corpus.report import show_problems

    if json_out:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    show_problems(summary.get("problem_list", []), lambda text: typer.echo(f"aigchip: {text}", err=True))
    for line in lines:
        typer.echo(line)


def dataset_import(
    sources: Annotated[list[Path], typer.Argument(help="MG-Verilog rows (JSONL, parquet, a save_to_disk folder) or corpus JSONL.", exists=True)],
    out: Annotated[Path, typer.Option(help="The corpus JSONL to write (replaced).", dir_okay=False)],
    compile_check: Annotated[bool, typer.Option("--compile/--no-compile", help="Keep only entries iverilog compiles.")] = True,
    jobs: Annotated[int, typer.Option(help="Compile checks at once.", min=1)] = 4,
    source: Annotated[str, typer.Option(help="The entries' `source` field.")] = "MG-Verilog",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Import described designs into a corpus; every skipped row is named (file:line) and counted.
    Exit 0, 1 when nothing could be imported, 2 on a usage or tool error."""
    from aigchip.corpus.importer import run_import
    from aigchip.corpus.report import MissingExtra, describe_import
    from aigchip.sim.tools import ToolMissing

    try:
        result = run_import(sources, out, compile=compile_check, jobs=jobs, source=source)
    except (MissingExtra, ToolMissing) as exc:
        raise usage(str(exc)) from None
    summary = result.summary(out)
    _dataset_report(summary, describe_import(summary), json_out)
    raise typer.Exit(EXIT_PASS if result.entries else EXIT_FAIL)


def dataset_build(
    sources: Annotated[list[Path], typer.Argument(help="Verilog files or folders.", exists=True)],
    out: Annotated[Path, typer.Option(help="The corpus JSONL to append to (ids already there are skipped).", dir_okay=False)],
    model: Annotated[Optional[str], typer.Option(help="Endpoint model name (or manual / replay).")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, ...).")] = None,
    api_key_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the API key.")] = None,
    replay: Annotated[Optional[Path], typer.Option(help="session.jsonl to replay replies from.", **ExistingFile)] = None,
    concurrency: Annotated[int, typer.Option(help="Modules annotated at once.", min=1)] = 4,
    jobs: Annotated[int, typer.Option(help="Compile checks at once.", min=1)] = 4,
    validate: Annotated[bool, typer.Option(help="Have the model rewrite each module from its detailed summary; record whether that compiles.")] = False,
    compile_check: Annotated[bool, typer.Option("--compile/--no-compile", help="Keep only modules iverilog compiles.")] = True,
    source: Annotated[Optional[str], typer.Option(help="The entries' `source` field (default: each input's name).")] = None,
    licence: Annotated[str, typer.Option(help="The entries' `licence` field.")] = "",
    cache: Annotated[bool, typer.Option(help="Reuse cached model replies.")] = True,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="aigchip.toml with defaults.", **ExistingFile)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Annotate raw Verilog at three grains with a model (resumable). Exit 0, 1 when nothing was annotated,
    2 on a usage, tool or model error."""
    from aigchip.config import load_config
    from aigchip.corpus.build import BuildOptions, build
    from aigchip.corpus.report import describe_build
    from aigchip.models.factory import make_model
    from aigchip.models import ModelError
    from aigchip.task import Task
    from aigchip.sim.tools import ToolMissing

    flags = dict(model=model, base_url=base_url, api_key_env=api_key_env, replay=replay, cache=None if cache else False)
    try:
        config = load_config(flags, config_file=config_file)
        if config.model == "offline":
            raise ValueError("dataset build needs a model to write descriptions: pass --model NAME --base-url URL "
                             "(any OpenAI-compatible server) or set OPENAI_API_KEY")
        task = Task(id="dataset-build", top="annotate", spec={"detailed": "annotate Verilog"})
        writer = make_model(config, task, out_dir=out.parent)
    except (ValueError, ModelError) as exc:
        raise usage(str(exc)) from None
    options = BuildOptions(concurrency=1 if config.model == "manual" else concurrency, jobs=jobs, validate=validate,
                           compile=compile_check, source=source, licence=licence, progress=sys.stderr.isatty())
    try:
        result = build(sources, out, writer, options)
    except ToolMissing as exc:
        raise usage(str(exc)) from None
    summary = result.summary(out)
    _dataset_report(summary, describe_build(summary), json_out)
    if result.stopped:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_PASS if result.written or summary.get("already_done") else EXIT_FAIL)


def _dataset_load(corpus: Path) -> tuple[list, list]:
    from aigchip.corpus import schema

    try:
        if corpus.is_dir():
            return schema.load_demo_library_checked(corpus)
        return schema.load_jsonl(corpus)
    except OSError as exc:
        raise usage(f"cannot read the corpus: {exc}") from None


def dataset_stats(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL, or a demo-library folder.", exists=True)],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """What a corpus holds: entries, descriptions per grain, sources, tags, checks, skipped lines."""
    from aigchip.corpus.stats import render, stats

    entries, problems = _dataset_load(corpus)
    found = stats(entries, problems, corpus=corpus)
    _dataset_report(found, render(found), json_out)


def dataset_export(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL, or a demo-library folder.", exists=True)],
    out: Annotated[Path, typer.Option(help="Folder for train.jsonl, val.jsonl and export.json.", file_okay=False)],
    format_: Annotated[ExportFormat, typer.Option("--format", help="chat messages or alpaca instruction/input/output.")] = ExportFormat.chat,
    val: Annotated[float, typer.Option(help="Share of designs held out for validation (split by design).", min=0.0, max=0.99)] = 0.0,
    grains: Annotated[str, typer.Option(help="Grains to export, comma-separated; each design appears once per grain.")] = "high_level,detailed,block",
    decontaminate: Annotated[Optional[list[Path]], typer.Option(help="Benchmark folder whose tasks must not leak into the data (repeat for several).", exists=True, file_okay=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed for the split and the shuffle.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Fine-tuning data from a corpus, balanced across grains, split by design, decontaminated."""
    from aigchip.corpus.export import export
    from aigchip.corpus.report import Tally, describe_export

    entries, problems = _dataset_load(corpus)
    tally = Tally()
    tally.add(*problems)
    chosen = tuple(g.strip() for g in grains.split(",") if g.strip())
    try:
        summary = export(entries, out, fmt=format_.value, val=val, grains=chosen, benches=decontaminate or [],
                         seed=seed, tally=tally)
    except ValueError as exc:
        raise usage(str(exc)) from None
    _dataset_report(summary, describe_export(summary), json_out)
    raise typer.Exit(EXIT_PASS if summary["examples"]["train"] or summary["examples"]["val"] else EXIT_FAIL)


def dataset_index(
    corpus: Annotated[Path, typer.Argument(help="Corpus JSONL.", exists=True, dir_okay=False)],
    embeddings: Annotated[bool, typer.Option(help="Also embed every grain (needs the embeddings extra, which pulls PyTorch).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else on stdout.")] = False,
) -> None:
    """Build the corpus's BM25 index (per grain) beside it, as CORPUS.index.json; demos use it from then on."""
    import time

    from aigchip.corpus import index as corpus_index
    from aigchip.corpus.report import MissingExtra

    from aigchip.corpus.schema import load_jsonl_located

    try:
        entries, problems, located = load_jsonl_located(corpus)
    except OSError as exc:
        raise usage(f"cannot read the corpus: {exc}") from None
    started = time.perf_counter()
    path = corpus_index.write_index(corpus, entries, lines=located, problems=problems)
    found = {"corpus": str(corpus), "index": str(path), "entries": len(entries), "problems": len(problems),
             "problem_list": [p.render() for p in problems], "seconds": round(time.perf_counter() - started, 3),
             "bytes": path.stat().st_size, "embeddings": None}
    if embeddings:
        from aigchip.corpus import embeddings as dense

        try:
            found["embeddings"] = str(dense.build(corpus, entries))
        except MissingExtra as exc:
            raise usage(str(exc)) from None
    lines = [f"indexed {len(entries)} entries in {found['seconds']} s: {path} ({found['bytes']} bytes)"]
    if found["embeddings"]:
        lines.append(f"embeddings: {found['embeddings']}")
    _dataset_report(found, lines, json_out)

