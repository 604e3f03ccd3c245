"""The tests of one Icarus simulation that hosts several candidates (sim/cocotb_batch.py).

Copied into the batch's private folder and imported inside the simulator (it imports nothing of aigchip)
by the test module cocotb loads, which sim/cocotb_batch.py writes: `register(globals())`. The job (JSON,
named by AIGCHIP_BATCH_JOB) holds test_module, test_path (the private folder the tests import from), seed,
keep (modules of that folder not to import again), order (where to write the order the tests run in),
partial (where the results of the instances already finished are written when the next one starts),
early (where the instances that read the design too early are listed, one a line), and instances: [{top, cwd}].

For every instance the test module is imported afresh (its helpers too), with the random module seeded as
cocotb seeds it before importing the tests, and its tests are registered again with `dut` (and cocotb.top)
bound to that instance's top, the working folder moved to that candidate's own run folder, and the same
name and module as alone, so cocotb seeds each test exactly as it would alone. An instance's tests run
together, before the next instance's.

Alone, a check's first test starts before the simulator has evaluated anything: a value read before the
simulator next calls back (by the test before its first await, or by a task it started) is x or z, not
what the design drives. A later instance's first test starts long after its design settled, so a read
then could see what the check alone never sees; such an instance is listed in `early` and checked alone.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import os
import random
import sys
from typing import Any, ClassVar

import cocotb
import cocotb.handle
import cocotb.regression
from cocotb._decorators import Test, TestGenerator
from cocotb._gpi_triggers import GPITrigger

MARKER = "aigchip-batch-instance"


class _Early:
    """Which instance's first test started in the simulator's current call into Python (None: none did),
    and where a read of a value in that call is reported."""

    instance: int | None = None
    path = ""
    reported: ClassVar[set[int]] = set()


def _watch_early_reads(path: str) -> None:
    """Report every value read while _Early.instance is set; any callback of the simulator clears it."""
    _Early.path = path
    react = GPITrigger._react

    def _react(self: Any) -> None:
        _Early.instance = None
        react(self)

    GPITrigger._react = _react  # type: ignore[method-assign]
    for cls in vars(cocotb.handle).values():
        if isinstance(cls, type) and issubclass(cls, cocotb.handle.ValueObjectBase) and "get" in vars(cls) \
                and not getattr(cls.get, "__isabstractmethod__", False):
            cls.get = _reporting(cls.get)  # type: ignore[method-assign]


def _reporting(get: Any) -> Any:
    def reported_get(self: Any) -> Any:
        index = _Early.instance
        if index is not None and index not in _Early.reported:
            _Early.reported.add(index)
            with open(_Early.path, "a", encoding="utf-8") as f:
                f.write(f"{index}\n")
        return get(self)
    return reported_get


async def _started_early(index: int, coro: Any) -> Any:
    _Early.instance = index
    return await coro


def _fresh_import(name: str, folder: str, keep: tuple[str, ...]) -> Any:
    """The test module imported again, with every module from the tests' own folder (but `keep`) forgotten first."""
    for key, module in list(sys.modules.items()):
        if key not in keep and (getattr(module, "__file__", None) or "").startswith(folder + os.sep):
            del sys.modules[key]
    return importlib.import_module(name)


def _tests_of(module: Any) -> list[Test]:
    found: list[Test] = []
    for obj in list(vars(module).values()):
        if isinstance(obj, Test):
            found.append(obj)
        elif isinstance(obj, TestGenerator):
            found.extend(obj.generate_tests())
    for test in found:
        if not inspect.isfunction(test.func):
            raise TypeError(f"aigchip batch: test {test.fullname} is not a plain function")
    return found


def _partial_results(path: str) -> None:
    """The results so far, so that a later instance that hangs does not lose the earlier ones."""
    manager = getattr(cocotb.regression, "_manager_inst", None)
    if manager is not None:
        manager.xunit.write(path)


def _bound(test: Test, index: int, handle: Any, cwd: str, first: bool, partial: str) -> Any:
    func = test.func

    def run(_dut: Any, *args: Any, **kwargs: Any) -> Any:
        if first:
            if index:
                _partial_results(partial)
            sys.stdout.flush()
            print(f"{MARKER} {index}", flush=True)
        os.chdir(cwd)
        cocotb.top = handle
        coro = func(handle, *args, **kwargs)
        return _started_early(index, coro) if first and index else coro

    # cocotb reports the test's file and line from the function it calls
    run.__code__ = run.__code__.replace(co_filename=func.__code__.co_filename,
                                        co_firstlineno=func.__code__.co_firstlineno)
    bound = copy.copy(test)
    bound.func = run
    return bound


def register(namespace: dict[str, Any]) -> None:
    """Put every instance's tests into `namespace`, the globals of the module cocotb imports for tests."""
    with open(os.environ["AIGCHIP_BATCH_JOB"], encoding="utf-8") as f:
        job = json.load(f)
    folder = os.path.realpath(job["test_path"])
    _watch_early_reads(job["early"])
    per_instance = []
    for index, instance in enumerate(job["instances"]):
        handle = cocotb.tops[instance["top"].casefold()]
        os.chdir(instance["cwd"])
        cocotb.top = handle
        random.seed(job["seed"])
        module = _fresh_import(job["test_module"], folder, (__name__, *job["keep"]))
        per_instance.append((index, handle, instance["cwd"], _tests_of(module)))
    stages = [t.stage for *_, tests in per_instance for t in tests] or [0]
    low, span = min(stages), max(stages) - min(stages) + 1
    bound: list[Test] = []
    for index, handle, cwd, tests in per_instance:
        first = min(tests, key=lambda t: t.stage) if tests else None
        for test in tests:
            one = _bound(test, index, handle, cwd, test is first, job["partial"])
            one.stage = index * span + (test.stage - low)  # instances in turn, each in its own stage order
            bound.append(one)
    order = sorted(range(len(bound)), key=lambda k: bound[k].stage)  # cocotb's sort is stable too
    with open(job["order"], "w", encoding="utf-8") as f:
        json.dump([[bound[k].stage // span, bound[k].name] for k in order], f)
    for k, test in enumerate(bound):
        namespace[f"_aigchip_batch_test_{k}"] = test
