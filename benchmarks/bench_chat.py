"""How much a chat session costs beside the model and the simulator.

    python benchmarks/bench_chat.py [--turns 200] [--sim]

1. Session overhead per turn (saving chat.json atomically, the record, versions, diff), with a scripted
   model and a checker that does nothing: early turns against late ones, since chat.json grows; and the
   size and build time of the web page's view of the session at the end.
2. With --sim: one refinement with real Icarus + cocotb checks, split into the check (which records the
   VCD the page and /waves show: no second simulation) and everything else (drawing it included).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aigchip.chat.session import ChatSession
from aigchip.chat.store import SessionStore
from aigchip.config import RunConfig
from aigchip.models.local import ScriptedModel
from aigchip.sim.check import verify_many
from aigchip.sim.types import Status, Verdict

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "chat"


def design(width: int) -> str:
    return (f"```verilog\nmodule counter8(input clk, input rst, input en, output reg [{width - 1}:0] count);\n"
            f"  always @(posedge clk) if (rst) count <= 0; else if (en) count <= count + 1;\nendmodule\n```")


def no_check(pairs, jobs=1):
    return [Verdict(status=Status.PASS, checks=["syntax"]) for _ in pairs]


def overhead(turns: int) -> None:
    replies = [design(8 + i % 24) for i in range(turns + 1)]
    with tempfile.TemporaryDirectory() as root:
        model = ScriptedModel(replies)
        session = ChatSession.create(SessionStore(Path(root)), RunConfig(model="scripted", demos=0),
                                     model_factory=lambda c, t: model, check=no_check)
        session.send("A counter module named counter8 with clk, rst, en and count.")
        times = []
        for i in range(turns):
            started = time.perf_counter()
            session.send(f"change {i}: make the count {8 + (i + 1) % 24} bits wide")
            times.append(time.perf_counter() - started)
        size = (session.folder / "chat.json").stat().st_size
        from aigchip.chat.web_hub import Live

        live = Live(session)
        started = time.perf_counter()
        for _ in range(20):
            view = live.view_json()
        view_ms = (time.perf_counter() - started) / 20 * 1000
    first, last = times[:10], times[-10:]
    print(f"session overhead per turn (no model, no simulator), {turns} turns:")
    print(f"  turns 1-10: median {statistics.median(first) * 1000:.1f} ms; "
          f"turns {turns - 9}-{turns}: median {statistics.median(last) * 1000:.1f} ms")
    print(f"  chat.json after {turns} turns: {size / 1024:.0f} KiB")
    print(f"  the web page's view of that session (sent with every state event): {len(view) / 1024:.0f} KiB, "
          f"built in {view_ms:.1f} ms")


def with_simulator() -> None:
    tests = (FIXTURES / "test_counter8.py").read_text()
    timings: dict[str, float] = {}

    def timed_check(pairs, jobs=1):
        started = time.perf_counter()
        verdicts = verify_many(pairs, jobs=jobs)
        kind = "check with VCD" if pairs[0][1].waves else "check"
        timings[kind] = timings.get(kind, 0.0) + time.perf_counter() - started
        return verdicts

    with tempfile.TemporaryDirectory() as root:
        model = ScriptedModel([design(8), design(16)])
        session = ChatSession.create(SessionStore(Path(root)), RunConfig(model="scripted", demos=0, cache=False),
                                     model_factory=lambda c, t: model, check=timed_check)
        session.add_test("test_counter8.py", tests)
        session.send("A counter module named counter8 with clk, rst, en and count.")
        timings.clear()
        started = time.perf_counter()
        turn = session.send("make it 16 bits")
        total = time.perf_counter() - started
    rest = total - sum(timings.values())
    print(f"one refinement with Icarus + cocotb ({turn.answer}):")
    checks = " + ".join(f"{kind} {seconds:.2f} s" for kind, seconds in timings.items())
    print(f"  total {total:.2f} s = {checks} + everything else (session, record, picture) {rest:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--sim", action="store_true", help="also time a refinement with real Icarus checks")
    args = parser.parse_args()
    overhead(args.turns)
    if args.sim:
        with_simulator()


if __name__ == "__main__":
    main()
