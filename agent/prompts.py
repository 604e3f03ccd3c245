"""Every prompt is a jinja2 template in templates/prompts/, rendered with StrictUndefined: no prompt text in code."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigchip.paths import templates_dir

if TYPE_CHECKING:
    import jinja2


@functools.lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    import jinja2  # here, not at the top: a run that renders no prompt (eval --model reference) never pays for it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,  # a missing variable is an error, never an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(name: str, **context: Any) -> str:
    """Render templates/prompts/<name>.j2; raises jinja2.UndefinedError when a variable is missing."""
    template = _environment(str(templates_dir())).get_template(f"{name}.j2")
    return template.render(**context).strip() + "\n"


def template_hashes() -> dict[str, str]:
    """Short content hashes of every prompt template, recorded with each run so results name their prompts."""
    folder = templates_dir()
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.j2")))
    return dict(_hashes(folder, stamp))


@functools.lru_cache(maxsize=8)
def _hashes(folder: Path, stamp: tuple) -> tuple[tuple[str, str], ...]:
    return tuple((path.stem, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
                 for path in sorted(folder.glob("*.j2")))
