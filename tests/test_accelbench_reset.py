"""AccelBench test conventions, read from the test files (no simulator): every clocked cocotb test starts its clock
low (`start_high=False`) and drives reset to its active level before time first advances, so the first rising
edge (at 5 ns) already sees reset and a design that drops a reset assignment is caught. A clock that starts high
makes its first edge at time 0, where Icarus may still see reset as X."""

import ast
from pathlib import Path

import pytest

ACCELBENCH = Path(__file__).parent.parent / "datasets" / "accelbench"
TEST_FILES = sorted(p for p in ACCELBENCH.glob("*/test_*.py") if "Clock(" in p.read_text(encoding="utf-8"))


def reset_level(name: str) -> int:
    return 0 if name.endswith("_n") else 1


def drives_reset_active(node: ast.AST) -> bool:
    """`dut.rst.value = 1` or `dut.rst.value, dut.x.value = 1, 0` (0 for an active-low `*_n`)."""
    if not isinstance(node, ast.Assign):
        return False
    for target in node.targets:
        pairs = (list(zip(target.elts, node.value.elts)) if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                 else [(target, node.value)])
        for lhs, rhs in pairs:
            if (isinstance(lhs, ast.Attribute) and lhs.attr == "value" and isinstance(lhs.value, ast.Attribute)
                    and ("rst" in lhs.value.attr or "reset" in lhs.value.attr)
                    and isinstance(rhs, ast.Constant) and rhs.value == reset_level(lhs.value.attr)):
                return True
    return False


def clock_starts(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "start" and isinstance(n.func.value, ast.Call)
            and isinstance(n.func.value.func, ast.Name) and n.func.value.func.id == "Clock"]


def before_time_moves(fn: ast.AsyncFunctionDef, helpers: dict[str, ast.AsyncFunctionDef], depth: int = 0) -> list[ast.AST]:
    """The nodes of `fn` that run before its first await, and, when that await calls a helper of the module,
    the helper's own such nodes (time first moves inside the helper)."""
    awaits = sorted((n for n in ast.walk(fn) if isinstance(n, ast.Await)), key=lambda n: (n.lineno, n.col_offset))
    first = awaits[0] if awaits else None
    nodes = [n for n in ast.walk(fn) if hasattr(n, "lineno") and (first is None or n.lineno < first.lineno)]
    call = first.value if first is not None else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in helpers and depth < 3:
        nodes += before_time_moves(helpers[call.func.id], helpers, depth + 1)
    return nodes


def cocotb_tests(tree: ast.Module) -> list[ast.AsyncFunctionDef]:
    return [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef)
            and any("test" in ast.unparse(d) for d in n.decorator_list)]


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clock_starts_low_with_reset_driven_from_time_zero(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    helpers = {n.name: n for n in tree.body if isinstance(n, ast.AsyncFunctionDef)}
    for start in clock_starts(tree):
        flags = {k.arg: k.value for k in start.keywords}
        assert isinstance(flags.get("start_high"), ast.Constant) and flags["start_high"].value is False, \
            f"{path.name}:{start.lineno}: Clock(...).start got {ast.unparse(start)} expected start_high=False"
    tests = cocotb_tests(tree)
    assert tests, f"{path.name}: no cocotb test found"
    for fn in tests:
        early = before_time_moves(fn, helpers)
        assert any(clock_starts(n) for n in early if isinstance(n, ast.Expr)), \
            f"{path.name}: test {fn.name} does not start its clock before time first advances"
        assert any(drives_reset_active(n) for n in early), \
            f"{path.name}: test {fn.name} does not drive reset active before time first advances (reset from time 0)"


def test_the_check_sees_a_clock_started_high_and_a_late_reset(tmp_path: Path):
    bad = ast.parse(
        "@cocotb.test()\nasync def t(dut):\n    Clock(dut.clk, 10).start()\n    await RisingEdge(dut.clk)\n"
        "    dut.rst.value = 1\n")
    fn = cocotb_tests(bad)[0]
    early = before_time_moves(fn, {})
    assert not any(drives_reset_active(n) for n in early)
    assert "start_high" not in {k.arg for k in clock_starts(bad)[0].keywords}
    good = ast.parse("async def h(dut):\n    dut.rst.value, dut.x.value = 1, 0\n    await Timer(1)\n"
                     "@cocotb.test()\nasync def t(dut):\n    Clock(dut.clk, 10).start(start_high=False)\n    await h(dut)\n")
    helpers = {n.name: n for n in good.body if isinstance(n, ast.AsyncFunctionDef)}
    assert any(drives_reset_active(n) for n in before_time_moves(cocotb_tests(good)[0], helpers))
