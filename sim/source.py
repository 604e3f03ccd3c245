"""Light, regex-level reading of Verilog text: comments out, module names, which module is on top."""

from __future__ import annotations

import re

# a comment, a string literal, or an escaped identifier (`\x//` is a name: what follows it is code, never a comment)
_TOKENS = re.compile(r'//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:[^"\\\n]|\\.)*"?|\\\S+', re.S)
_MODULE = re.compile(r"\b(?:macro)?module\s+(?:(?:automatic|static)\s+)?([A-Za-z_][\w$]*)")
_WORD = re.compile(r"[A-Za-z_][\w$]*")
_NOT_NEWLINE = re.compile(r"[^\n]")


def blank_comments_and_strings(text: str) -> str:
    """Comments and string literals replaced by spaces; newlines kept so line numbers still hold. Escaped
    identifiers stay as they are, and a `//`, `/*` or quote inside one starts nothing."""
    def blank(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith("\\"):
            return token
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


def instances(text: str) -> list[tuple[str, str]]:
    """(module type, instance name) of every instance in `text`, in order."""
    return [(m.group(1), m.group(2)) for m in _INSTANCE.finditer(blank_comments_and_strings(text))
            if m.group(1) not in _NOT_MODULE_TYPES]


def instantiated_modules(text: str) -> list[str]:
    """Module types that `text` instantiates (`adder_8bit uut (...)`, `fifo #(.W(8)) f0 (...)`), in order."""
    return list(dict.fromkeys(kind for kind, _ in instances(text)))


_DIRECTION = re.compile(r"\b(input|output|inout)\b")
_SUBROUTINES = re.compile(r"\bfunction\b.*?\bendfunction\b|\btask\b.*?\bendtask\b", re.S)
_PORT_WORDS = frozenset("wire reg logic var tri signed unsigned integer".split())


def module_ports(text: str, name: str) -> list[tuple[str, str, str]]:
    """The ports of module `name` in `text` as sorted (name, direction, type), where type is its signedness and
    packed range with spaces removed (like `signed[7:0]`); [] when the module is not defined there. Reads ANSI
    headers and body declarations alike."""
    blank = blank_comments_and_strings(text)
    start = re.search(rf"\bmodule\s+{re.escape(name)}\b", blank)
    if start is None:
        return []
    end = blank.find("endmodule", start.end())
    body = _SUBROUTINES.sub(" ", blank[start.end(): end if end >= 0 else len(blank)])  # their inputs are not ports
    ports: dict[str, tuple[str, str, str]] = {}
    for direction in _DIRECTION.finditer(body):
        kind = ""
        for piece in _declaration_pieces(body, direction.end()):
            words = re.findall(r"\[[^\]]*\]|[A-Za-z_][\w$]*", piece)
            names = [w for w in words if not w.startswith("[") and w not in _PORT_WORDS]
            if words and (words[0].startswith("[") or words[0] in _PORT_WORDS):
                kind = ("signed" if "signed" in words else "") + "".join(w for w in words if w.startswith("["))
                kind = re.sub(r"\s+", "", kind)
            if names:
                ports[names[0]] = (names[0], direction.group(1), kind)
    return sorted(ports.values())


def _declaration_pieces(body: str, at: int) -> list[str]:
    """The comma-separated pieces of one port declaration starting at `at`: up to a `;`, the header's `)`, or
    the next direction keyword."""
    depth, pieces, piece_start = 0, [], at
    for i in range(at, len(body)):
        ch = body[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if depth < 0 or (depth == 0 and ch == ";"):
            break
        if depth == 0 and ch == ",":
            pieces.append(body[piece_start:i])
            piece_start = i + 1
            following = len(body) - len(body[i + 1:].lstrip())
            if _DIRECTION.match(body, following):
                return pieces
    else:
        i = len(body)
    pieces.append(body[piece_start:i])
    return pieces
