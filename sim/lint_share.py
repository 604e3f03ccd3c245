"""One Verilator lint for several candidates (a verify_many group, sim/candidates.py), each candidate given
exactly the diagnostics its own lint gives; whatever cannot be shown to be that is linted alone (None).

Each candidate's modules get a random per-run suffix where they are defined or instantiated (lines kept), its
files go in src<i>/ under their own names, and one `verilator_bin --lint-only` reads every candidate's files,
each top a top (no --top-module; MULTITOP is waived as alone). Each message goes back to the candidate whose
file it names: the file named as alone, the suffix taken out of its text, its column moved back by the
suffixes inserted before it on its line.

A candidate is linted alone when its lint could depend on its neighbours or on the renaming:
- a compiler directive other than one `timescale heading every file, the same in every candidate it shares
  with (a `define, `include or `default_nettype reaches the files read after it);
- a Verilator or synthesis metacomment (a lint_off reaches the files read after it), `$root`, `$unit`, or an
  escaped identifier;
- anything outside its modules or other than modules (packages, interfaces, classes, bind, ...), a module name
  used other than where a module is defined or instantiated (sim/batch_screen.py's rules), a module defined
  twice, or a module its top does not reach (alone it is dropped; shared it would be another top);
- two module names of which one starts the other (renamed, they may sort the other way round);
- a tab or a non-ASCII character on a line the renaming changes (columns);
- the top's parameters (-G sets them on every top).
And so is a candidate the shared run gives a VARHIDDEN warning (every top's ports share one scope there).
A shared run that reports an error (Verilator may stop before its later passes), exits non-zero, times out, or
prints a message it cannot place decides nothing; the candidates its errors name are left out and the rest
try once more.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aigchip.sim import batch_screen, lint, process, source, tools
from aigchip.sim.types import Design, Diagnostic, Severity

# metacomments Verilator reads (its own, synopsys, cadence, ambit synthesis, synthesis, pragma) and names that reach
# across tops
_HOSTILE = re.compile(r"verilator|synopsys|cadence|ambit|synthesis|pragma|lint_|coverage|tracing|translate|\$root|"
                      r"\$unit", re.I)
_DIRECTIVE = re.compile(r"`(\w+)([^\n]*)")
_WAIVER = re.compile(r"(?://|/\*)[^\S\n]*verilator[^\S\n]+lint_(off|on)[^\S\n]+([A-Z0-9_]+)[^\S\n]*(?:\*/)?")
_WORD = re.compile(r"[A-Za-z_][\w$]*")
SHARED_TIMEOUT_S = 10.0
# Verilator puts every top's ports in one $root scope, so a neighbour's top port named like one of a candidate's
# function arguments or block variables adds a VARHIDDEN that its lint alone lacks (never takes one away: the
# shared scope only has more names). A candidate given one is linted alone.
_ROOT_NAMED = frozenset({"VARHIDDEN"})
_SHARED_FILE = re.compile(r"src(\d+)/(.+)$")


@dataclass
class _File:
    name: str  # as the candidate's lint alone names it
    shared: str  # src<i>/<name>
    text: str  # renamed
    insertions: dict[int, list[int]]  # line -> where each suffix starts on it (0-based, in the renamed line)


@dataclass
class _Member:
    index: int
    run_dir: Path
    design: Design
    suffix: str
    files: list[_File] = field(default_factory=list)


def signature(design: Design) -> str | None:
    """The `timescale every file of `design` starts with ("" for none), or None when its lint must run alone."""
    if not design.files or not all(name.endswith((".v", ".sv")) for name in design.files):
        return None
    if any(_HOSTILE.search(_without_balanced_waivers(text)) for text in design.files.values()):
        return None
    blanks = [source.blank_comments_and_strings(text) for text in design.files.values()]
    if any("\\" in body for body in blanks):
        return None
    found = {_timescale(body) for body in blanks}
    if len(found) != 1 or None in found:
        return None
    if not _modules_ok(design, blanks):
        return None
    return found.pop()


def _without_balanced_waivers(text: str) -> str:
    """`text` without its `verilator lint_off CODE` ... `lint_on CODE` comments (each a whole one-line comment,
    not in a string) when every code they name is on again by the end of the file (so nothing reaches the
    files read after it) and none is a code waived on the command line (a lint_on of one would reach them);
    else `text` as it is."""
    state: dict[str, bool] = {}
    cuts: list[tuple[int, int]] = []
    for token in source._TOKENS.finditer(text):
        comment = token.group(0)
        block = comment.startswith("/*")
        if not comment.startswith(("//", "/*")) or "\n" in comment or block != comment.endswith("*/"):
            continue
        m = _WAIVER.fullmatch(comment)
        if m is None:
            continue
        if m.group(2) in lint._LINT_WAIVERS:
            return text
        state[m.group(2)] = m.group(1) == "on"
        cuts.append(token.span())
    if not all(state.values()):
        return text
    for start, end in reversed(cuts):
        text = text[:start] + text[end:]
    return text


def _timescale(body: str) -> str | None:
    """"" for a file without directives, the `timescale text when that is its only directive and comes before
    any module, else None."""
    directives = list(_DIRECTIVE.finditer(body))
    if not directives:
        return ""
    first_module = re.search(r"\b(?:macro)?module\b", body)
    if len(directives) > 1 or directives[0].group(1) != "timescale" or (
            first_module is not None and first_module.start() < directives[0].start()):
        return None
    return re.sub(r"\s+", "", directives[0].group(2))


def _modules_ok(design: Design, blanks: list[str]) -> bool:
    defined = [m for body in blanks for m in batch_screen._MODULE_HEAD.findall(body)]
    own = set(defined)
    if not own or design.top not in own or len(defined) != len(own):
        return False
    if any(a != b and b.startswith(a) for a in own for b in own):
        return False
    spans: dict[str, str] = {}
    for body in blanks:
        undirected = _DIRECTIVE.sub("", body)
        if batch_screen._UNSHARED_WORDS.search(body) or batch_screen._SPAN.sub("", undirected).strip():
            return False
        if not batch_screen._names_ok(body, own):
            return False
        for span in batch_screen._SPAN.finditer(undirected):
            name = batch_screen._MODULE_HEAD.match(span.group(0))
            if name is None:
                return False
            spans[name.group(1)] = span.group(0)[name.end():]
    reached, todo = {design.top}, [design.top]
    while todo:
        for word in _WORD.findall(spans.get(todo.pop(), "")):
            if word in own and word not in reached:
                reached.add(word)
                todo.append(word)
    return reached == own


def _renamed(text: str, names: set[str], suffix: str) -> tuple[str, dict[int, list[int]]] | None:
    """`text` with `suffix` after each of `names` where it is a word outside comments and strings (as
    batch_screen.rename), and where the suffixes start on each line; None when a changed line has a tab or a
    non-ASCII character (Verilator's columns there are not plain character counts)."""
    body = source.blank_comments_and_strings(text)
    pieces, last = [], 0
    insertions: dict[int, list[int]] = {}
    for m in _WORD.finditer(body):
        if m.group(0) not in names:
            continue
        line = text.count("\n", 0, m.end()) + 1
        start = m.end() - (text.rfind("\n", 0, m.end()) + 1)
        on_line = insertions.setdefault(line, [])
        on_line.append(start + len(on_line) * len(suffix))
        pieces.append(text[last:m.end()] + suffix)
        last = m.end()
    pieces.append(text[last:])
    lines = text.split("\n")
    if any("\t" in lines[n - 1] or not lines[n - 1].isascii() for n in insertions):
        return None
    return "".join(pieces), insertions


def _column(column: int, insertions: list[int], width: int) -> int | None:
    """A renamed line's column as on the original line; None inside a suffix."""
    at, shift = column - 1, 0
    for start in insertions:
        if at >= start + width:
            shift += width
        elif at >= start:
            return None
    return column - shift


def lint_together(members: list[tuple[Path, Design]], timeout: float) -> list[list[Diagnostic] | None]:
    """Each member's lint diagnostics (its design's files already written in its run folder, its lint.log
    written there too), or None where it must be linted alone. A shared run gets at most SHARED_TIMEOUT_S of
    `timeout` (a lint of these designs takes milliseconds): one slow design must not hold its neighbours'
    lints back for a whole lint limit; a run that times out decides nothing, and each is then linted alone."""
    timeout = min(timeout, SHARED_TIMEOUT_S)
    results: list[list[Diagnostic] | None] = [None] * len(members)
    groups: dict[str, list[int]] = {}
    for i, (_, design) in enumerate(members):
        sig = signature(design)
        if sig is not None:
            groups.setdefault(sig, []).append(i)
    for group in groups.values():
        chosen = group
        for _ in range(3):  # again without the candidates a failed run named (parse errors first, then others)
            if len(chosen) < 2:
                break
            decided, named = _run([_Member(i, Path(members[i][0]), members[i][1], "") for i in chosen], timeout)
            for i, found in decided.items():
                results[i] = found
            if not named:  # decided (None), or nothing to leave out and try again (empty)
                break
            chosen = [i for i in chosen if i not in named]
    return results


def _run(members: list[_Member], timeout: float) -> tuple[dict[int, list[Diagnostic]], set[int] | None]:
    """({index: diagnostics}, None) after a clean shared run; ({}, the indices its errors named) after one with
    errors; ({}, set()) when it decides nothing."""
    token = secrets.token_hex(6)
    for member in list(members):
        member.suffix = f"Q{token}x{member.index}"
        names = batch_screen.module_names(member.design)
        for name, text in member.design.files.items():
            safe = process.safe_name(name)
            renamed = _renamed(text, names, member.suffix)
            if renamed is None:
                members.remove(member)
                break
            member.files.append(_File(safe, f"src{member.index}/{safe}", *renamed))
    if len(members) < 2:
        return {}, set()
    folder = process.RunFolder(prefix="aigchip-lint-")
    try:
        for member in members:
            for f in member.files:
                (folder.path / f.shared).parent.mkdir(exist_ok=True)
                (folder.path / f.shared).write_text(f.text, encoding="utf-8")
        exe, env, direct = tools.verilator_direct()
        argv = [exe, "--lint-only", "-Wall", "-Wno-fatal", "--timing", *(f"-Wno-{code}" for code in lint._LINT_WAIVERS),
                *(f.shared for member in members for f in member.files)]
        result = process.run(argv, cwd=folder.path, timeout=timeout, env=env, limits=lint._BIN_LIMITS if direct else None)
    finally:
        folder.cleanup()
    if result.start_error or result.timed_out or result.truncated:
        return {}, set()
    return _split(members, result, str(folder.path), token)


def _split(members: list[_Member], result: process.ProcessResult, folder: str,
           token: str) -> tuple[dict[int, list[Diagnostic]], set[int] | None]:
    by_index = {m.index: m for m in members}
    found: dict[int, list[Diagnostic]] = {m.index: [] for m in members}
    logs: dict[int, list[str]] = {m.index: [] for m in members}
    named: set[int] = set()
    unsure: set[int] = set()  # said something that may be about a neighbour's top ports: linted alone
    owner: _Member | None = None
    clean = result.returncode == 0
    for raw in result.output.splitlines():
        line = raw.rstrip()
        if not line.startswith("%"):
            if owner is not None and line.startswith(" "):
                logs[owner.index].append(_plain(raw, owner))
            else:
                owner = None
            continue
        m = lint._VERILATOR_LINE.match(line)
        if m is not None and lint._VERILATOR_NOISE.search(m["msg"]):
            owner = None
            continue
        if m is None or m["file"] is None:
            return {}, set()  # a message of no one's file
        place = _SHARED_FILE.match(m["file"] or "")
        owner = by_index.get(int(place[1])) if place else None
        if owner is None or place is None or not any(f.shared == m["file"] for f in owner.files):
            return {}, set()
        message = m["msg"].strip().replace(owner.suffix, "")
        if token in message or folder in message or re.search(r"\bsrc\d+/", message):
            return {}, set()  # it names a neighbour, or the shared folder: not what alone would say
        file = next(f for f in owner.files if f.shared == m["file"])
        column = int(m["col"]) if m["col"] else None
        if column is not None and m["line"]:
            column = _column(column, file.insertions.get(int(m["line"]), []), len(owner.suffix))
            if column is None:
                return {}, set()
        severity = Severity.ERROR if m["kind"] == "Error" else Severity.WARNING
        if severity is Severity.ERROR:
            named.add(owner.index)
        if m["code"] in _ROOT_NAMED:
            unsure.add(owner.index)
        found[owner.index].append(Diagnostic(message=message, severity=severity, file=file.name,
                                             line=int(m["line"]) if m["line"] else None, column=column,
                                             code=m["code"], source="verilator"))
        logs[owner.index].append(_plain(raw, owner))
    if named or not clean:
        return {}, named  # set() when nothing was named: give up
    for index in unsure:
        del found[index], by_index[index]
    for index, member in by_index.items():
        log = "\n".join(logs[index]) + ("\n" if logs[index] else "")
        (member.run_dir / "lint.log").write_text(log, encoding="utf-8")
        files = {f.name: text for f, text in zip(member.files, member.design.files.values())}
        lint.remember(lint.memo_key(files, member.design.top), found[index], log)
    return found, None


def _plain(line: str, member: _Member) -> str:
    """A line of the shared output as the member's lint alone would print it (as near as the log needs)."""
    return line.replace(member.suffix, "").replace(f"src{member.index}/", "")
