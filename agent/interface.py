"""A module's interface as the prompts need it: its ports, its clock(s) and reset, its handshake signals.

Verilog headers are parsed with slang (pyslang), a real SystemVerilog front end, so parameters, packed
widths and ANSI or non-ANSI port lists all come out right. Specs that list ports in prose (VerilogEval's
`- input  in (8 bits)`, RTLLM's `Input ports:` blocks) are read line by line. Nothing here decides what a
design does; it only names what exists, so a prompt never asks for a clock, a reset or a ready signal
that the module does not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CLOCK = re.compile(r"^(?:i_|in_)?(?:[a-z]*_)?(?:[a-z]?clk|clock)(?:_i|_in)?$", re.I)
_RESET = re.compile(r"^(?:i_|in_)?(?:[a-z]*_|[a-z])?(?:a?rst|a?reset)(?:_?n|_ni|_b|_l)?(?:_i|_in)?$", re.I)
_ACTIVE_LOW = re.compile(r"(?:_?n|_ni|_b|_l)(?:_i|_in)?$", re.I)
_HANDSHAKE = re.compile(r"(?:^|_)(?:valid|vld|ready|rdy|en|ena|enable|start|done|busy|ack|req|load|ld|push|pop|"
                        r"wr_en|rd_en|we|re|full|empty|last|stall|flush)(?:_?in|_?out|_i|_o|_n)?$|(?:valid|ready)", re.I)
_HEADER = re.compile(r"\bmodule\s+(?P<name>[A-Za-z_]\w*)\s*(?:#\s*\(.*?\)\s*)?(?:\(.*?\))?\s*;", re.S)
# VerilogEval: ` - input  in (8 bits)`, ` - output [7:0] q`; RTLLM: `    clk: Clock signal (1-bit)`, `count [15:0]: ...`
_LISTED = re.compile(r"^\s*-\s*(?P<dir>input|output|inout)\s+(?:(?:wire|reg|logic|signed)\s+)*(?P<range>\[[^\]]+\]\s*)?"
                     r"(?P<name>[A-Za-z_]\w*)\s*(?:\((?P<bits>\d+)\s*bits?\))?", re.I)
_SECTION = re.compile(r"^\s*(?P<dir>input|output|inout)s?\s+ports?\s*:?\s*$", re.I)
_SECTION_ITEM = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*(?P<range>\[[^\]]+\])?\s*:\s*(?P<rest>.*)$")
_WIDTH_WORDS = re.compile(r"\[\s*(\d+)\s*:\s*(\d+)\s*\]|\((\d+)[- ]bits?\)|\b(\d+)[- ]bit\b", re.I)


def role(name: str, width: int | None = 1) -> str | None:
    """What a signal's name says it is: "clock", "reset" or "handshake" (one bit wide), else None."""
    if width not in (1, None):
        return None
    if _CLOCK.match(name):
        return "clock"
    if _RESET.match(name):
        return "reset"
    return "handshake" if _HANDSHAKE.search(name) else None


@dataclass(frozen=True)
class Port:
    name: str
    direction: str  # input, output, inout
    width: int | None = 1  # None: set by a parameter the text does not fix
    signed: bool = False

    def declaration(self) -> str:
        width = "" if self.width == 1 else f" [{self.width - 1}:0]" if self.width else " [N-1:0]"
        return f"{self.direction}{' signed' if self.signed else ''}{width} {self.name}"


@dataclass
class Interface:
    top: str
    ports: list[Port]
    source: str  # where it was read: interface, spec header, spec port list, design
    header: str = ""  # the Verilog header it was read from ("" when built from a port list)
    notes: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> list[Port]:
        return [p for p in self.ports if p.direction == "input"]

    @property
    def clocks(self) -> list[str]:
        return [p.name for p in self.inputs if p.width in (1, None) and _CLOCK.match(p.name)]

    @property
    def resets(self) -> list[dict[str, object]]:
        """Each reset input: name and whether it is active low (by its name)."""
        return [{"name": p.name, "active_low": bool(_ACTIVE_LOW.search(p.name))}
                for p in self.inputs if p.width in (1, None) and _RESET.match(p.name) and not _CLOCK.match(p.name)]

    @property
    def handshakes(self) -> list[Port]:
        named = {p.name for p in self.ports} - set(self.clocks) - {r["name"] for r in self.resets}
        return [p for p in self.ports if p.name in named and p.width in (1, None) and _HANDSHAKE.search(p.name)]

    @property
    def combinational(self) -> bool:
        return not self.clocks

    def render(self) -> str:
        """A Verilog header for the prompt: the one it was read from, else one built from the ports."""
        if self.header:
            return self.header.strip()
        body = ",\n".join(f"  {p.declaration()}" for p in self.ports)
        return f"module {self.top} (\n{body}\n);"


def parse_header(text: str, top: str | None = None, *, source: str = "interface") -> Interface | None:
    """The ports of module `top` (else the first module) in Verilog `text`, read by slang; None when the
    text holds no module header slang can read."""
    headers = {m["name"]: m for m in _HEADER.finditer(text)}
    if not headers:
        return None
    chosen = headers.get(top) if top else None
    chosen = chosen or next(iter(headers.values()))
    header = chosen.group(0)
    ports = _slang_ports(_whole_module(text, chosen), chosen["name"])
    if ports is None:
        return None
    return Interface(top=chosen["name"], ports=ports, source=source, header=header)


def _whole_module(text: str, match: re.Match) -> str:
    """The module from its header to its endmodule (non-ANSI port declarations live in the body)."""
    end = re.search(r"\bendmodule\b", text[match.end():])
    body = text[match.start():match.end() + end.end()] if end else match.group(0) + "\nendmodule"
    return body


def _slang_ports(module_text: str, name: str) -> list[Port] | None:
    try:
        import pyslang
    except ImportError:  # an install without slang: the prompt falls back to the spec's own words
        return None
    tree = pyslang.syntax.SyntaxTree.fromText(module_text)
    compilation = pyslang.ast.Compilation()
    compilation.addSyntaxTree(tree)
    instances = [i for i in compilation.getRoot().topInstances if i.name == name]
    if not instances:
        return None
    ports = []
    for port in instances[0].body.portList:
        kind = getattr(port, "direction", None)
        if kind is None:  # an interface port or an unconnected one: not a signal a test drives
            continue
        direction = {"In": "input", "Out": "output", "InOut": "inout"}.get(kind.name, kind.name.lower())
        width = port.type.bitWidth if port.type is not None and not port.type.isError else None
        ports.append(Port(port.name, direction, width or None, bool(port.type.isSigned) if port.type else False))
    return ports or None


def from_port_list(spec: str, top: str) -> Interface | None:
    """Ports listed in a spec's prose (VerilogEval and RTLLM styles); None when it lists none."""
    ports = [Port(m["name"], m["dir"].lower(), _width(m["range"] or "", m["bits"])) for line in spec.splitlines()
             if (m := _LISTED.match(line))]
    if not ports:
        ports = _sections(spec)
    return Interface(top=top, ports=ports, source="spec port list") if ports else None


def _sections(spec: str) -> list[Port]:
    """RTLLM: `Input ports:` then `name [range]: description` lines, until the next heading."""
    ports: list[Port] = []
    direction = None
    for line in spec.splitlines():
        if m := _SECTION.match(line):
            direction = m["dir"].lower()
            continue
        if direction is None:
            continue
        item = _SECTION_ITEM.match(line)
        if item and item["rest"].strip():
            ports.append(Port(item["name"], direction, _width(item["range"] or "", None, item["rest"])))
        elif item or line.strip().endswith(":"):
            direction = None  # the next heading (Implementation:, Parameter:)
    return ports


_SYMBOLIC_RANGE = re.compile(r"\[[^\]]*[A-Za-z_][^\]]*\]")


def _width(range_text: str, bits: str | None, words: str = "") -> int | None:
    """The width a port list gives: (8 bits), [7:0], 16-bit; None for a parameterised one ([WIDTH-1:0])."""
    if bits:
        return int(bits)
    for text in (range_text, words):
        if _SYMBOLIC_RANGE.search(text):
            return None
        m = _WIDTH_WORDS.search(text)
        if m and m.group(1) is not None:
            return abs(int(m.group(1)) - int(m.group(2))) + 1
        if m:
            return int(m.group(3) or m.group(4))
    return 1


def of_task(interface_text: str, spec: str, top: str) -> Interface | None:
    """The task's interface: its header when it has one, else a header in the spec, else the spec's port list."""
    for text, source in ((interface_text, "interface"), (spec, "spec header")):
        if text and (found := parse_header(text, top, source=source)) is not None and found.top == top:
            return found
    return from_port_list(spec, top)


def of_design(files: dict[str, str], top: str) -> Interface | None:
    for text in files.values():
        found = parse_header(text, top, source="design")
        if found is not None and found.top == top:
            return found
    return None


def parameters(files: dict[str, str], top: str) -> dict[str, int | str] | None:
    """The Verilog `parameter`s of module `top` a user may set (not `localparam`s), with their default values
    (an integer when it is one, else slang's text of it), in declaration order; None when no file holds a
    header of `top` slang can read (or slang is not installed)."""
    for text in files.values():
        match = {m["name"]: m for m in _HEADER.finditer(text)}.get(top)
        if match is None:
            continue
        try:
            import pyslang
        except ImportError:
            return None
        compilation = pyslang.ast.Compilation()
        compilation.addSyntaxTree(pyslang.syntax.SyntaxTree.fromText(_whole_module(text, match)))
        instances = [i for i in compilation.getRoot().topInstances if i.name == top]
        if not instances:
            return None
        found: dict[str, int | str] = {}
        for symbol in instances[0].body.parameters:
            if getattr(symbol, "isLocalParam", True):
                continue
            shown = str(symbol.value)
            found[symbol.name] = int(shown) if re.fullmatch(r"-?\d+", shown) else shown
        return found
    return None
