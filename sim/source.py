"""Light, regex-level reading of Verilog text: comments out, module names, which module is on top."""

from __future__ import annotations

import re

_TOKENS = re.compile(r'//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:[^"\\\n]|\\.)*"?', re.S)
_MODULE = re.compile(r"\b(?:macro)?module\s+(?:(?:automatic|static)\s+)?([A-Za-z_][\w$]*)")
_WORD = re.compile(r"[A-Za-z_][\w$]*")
_NOT_NEWLINE = re.compile(r"[^\n]")


def blank_comments_and_strings(text: str) -> str:
    """Comments and string literals replaced by spaces; newlines kept so line numbers still hold."""
    def blank(m: re.Match[str]) -> str:
        token = m.group(0)
        return " " * len(token) if "\n" not in token else _NOT_NEWLINE.sub(" ", token)

    return _TOKENS.sub(blank, text)


def module_names(text: str) -> list[str]:
    """Names of the modules defined in `text`, in order."""
    return _MODULE.findall(blank_comments_and_strings(text))


def top_candidates(texts: list[str]) -> list[str]:
    """Modules that no other module mentions: the possible tops of a hierarchy."""
    bodies = [blank_comments_and_strings(t) for t in texts]
    defined: list[str] = [name for body in bodies for name in _MODULE.findall(body)]
    mentioned: dict[str, int] = {}
    for body in bodies:
        for word in _WORD.findall(body):
            mentioned[word] = mentioned.get(word, 0) + 1
    # each definition mentions its own name once; any other mention is an instantiation or reference
    return [name for name in dict.fromkeys(defined) if mentioned.get(name, 0) <= defined.count(name)]


_INSTANCE = re.compile(
    r"^[^\S\n]*([A-Za-z_][\w$]*)(?:\s*#\s*\((?:[^;()]|\([^;()]*\))*\)\s*|\s+)([A-Za-z_][\w$]*)\s*(?:\[[^\]\n;]*\]\s*)?\(", re.M)
_NOT_MODULE_TYPES = frozenset(
    "always always_comb always_ff always_latch assign assert begin case casex casez else end for forever function "
    "generate genvar if initial inout input integer localparam logic module output parameter real reg repeat return "
    "signed task unsigned while wire bit byte int longint shortint string time typedef struct enum class program "
    "interface package property sequence covergroup".split()
)


def instantiated_modules(text: str) -> list[str]:
    """Module types that `text` instantiates (`adder_8bit uut (...)`, `fifo #(.W(8)) f0 (...)`), in order."""
    found = [m.group(1) for m in _INSTANCE.finditer(blank_comments_and_strings(text))]
    return [name for name in dict.fromkeys(found) if name not in _NOT_MODULE_TYPES]
