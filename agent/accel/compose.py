"""A module's design is its own file plus the verified files of every module below it.

The model writes one module per reply. When it copies a child's code into its reply anyway, that copy is
dropped: the child's verified file is the one used. Helper modules a reply adds must not collide with a
module of the plan or another module's helpers, since all files are compiled together at integration.
"""

from __future__ import annotations

import re
import threading
from typing import Callable, Iterable

from aigchip.sim import source
from aigchip.sim.check import VerifyOptions, verify_many
from aigchip.sim.types import Design, Diagnostic, Severity, Status, Verdict

_END = re.compile(r"\bendmodule\b")


def without_modules(text: str, names: Iterable[str]) -> tuple[str, list[str]]:
    """`text` less the definitions of the modules in `names`; and which were dropped."""
    wanted = set(names)
    blank = source.blank_comments_and_strings(text)
    cuts: list[tuple[int, int]] = []
    dropped: list[str] = []
    for match in re.finditer(r"\bmodule\s+([A-Za-z_][\w$]*)", blank):
        if match.group(1) not in wanted:
            continue
        end = _END.search(blank, match.end())
        stop = end.end() if end else len(text)
        cuts.append((match.start(), stop))
        dropped.append(match.group(1))
    for start, stop in reversed(cuts):
        text = text[:start] + text[stop:]
    return re.sub(r"\n{3,}", "\n\n", text), dropped


def own_file(design: Design, name: str, plan_modules: Iterable[str]) -> tuple[str, str, list[str]]:
    """The file name and text of module `name` from an extracted reply, less other plan modules."""
    others = [m for m in plan_modules if m != name]
    file_name = next((f for f in design.files if f.rsplit(".", 1)[0] == name), next(iter(design.files)))
    text = "\n".join(design.files.values()) if len(design.files) > 1 else design.files[file_name]
    text, dropped = without_modules(text, others)
    return file_name, text.strip() + "\n", dropped


def collisions(files: dict[str, str]) -> list[Diagnostic]:
    """A module defined in two files (a helper named like another's): compile errors worded for the model."""
    owner: dict[str, str] = {}
    found = []
    for file_name, text in files.items():
        for module in source.module_names(text):
            if module in owner and owner[module] != file_name:
                found.append(Diagnostic(file=file_name, code="duplicate-module", source="aigchip", message=(
                    f"module `{module}` is also defined in {owner[module]}, which this design uses: rename your "
                    f"helper module with this module's name as a prefix")))
            owner.setdefault(module, file_name)
    return found


class ComposedCheck:
    """The loop's `check` for one module: each candidate is checked together with the verified files
    below it, at most `slots` checks at once across every module being built."""

    def __init__(self, name: str, plan_modules: list[str], below: dict[str, str], slots: threading.Semaphore,
                 check: Callable[..., list[Verdict]] = verify_many) -> None:
        self.name, self.plan_modules, self.below = name, plan_modules, below
        self.slots, self.inner = slots, check
        self.dropped: list[str] = []

    def compose(self, design: Design) -> Design:
        file_name, text, dropped = own_file(design, self.name, self.plan_modules)
        self.dropped = dropped
        return Design(files={**self.below, file_name: text}, top=self.name)

    def __call__(self, pairs: list[tuple[Design, VerifyOptions]], jobs: int = 1) -> list[Verdict]:
        verdicts = []
        for design, options in pairs:
            composed = self.compose(design)
            clashes = collisions(composed.files)
            if clashes:
                verdicts.append(Verdict(status=Status.COMPILE_ERROR, diagnostics=clashes))
                continue
            with self.slots:
                verdict = self.inner([(composed, options)], jobs=1)[0]
            if self.dropped:
                note = Diagnostic(severity=Severity.INFO, source="aigchip", message=(
                    f"your reply also defined {', '.join(f'`{d}`' for d in self.dropped)}; the verified "
                    "version of each was used instead: write only this module"))
                verdict = verdict.model_copy(update={"diagnostics": [*verdict.diagnostics, note]})
            verdicts.append(verdict)
        return verdicts
