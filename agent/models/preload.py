"""The chat client's libraries, imported ahead of need and with the cyclic collector held off.

Importing langchain_openai, openai and langsmith costs about 1.2 CPU seconds, all under the GIL, before a
run's first request can leave. Two things make that cheaper or hide it:

- `start()` imports them in a background thread as soon as a run knows it will call an endpoint, so the
  import overlaps the run's own set-up, and above all the pre-flight's reference checks, whose simulators
  run as child processes while the GIL is free.
- `few_collections()` holds off the cyclic garbage collector while they import. The import builds about
  230,000 objects (pydantic schemas, typing forms, classes) and frees almost none of them, yet the collector
  runs after every 700 new objects and walks the growing young generations again and again: 15-20% of the
  import's CPU. When the last holder leaves, what was built moves to the permanent generation (gc.freeze):
  those objects live as long as the process, and later collections never walk them. At exit they are
  unfrozen and the collector is on again, even if the import is still going on in its thread, so the
  interpreter's last collection sees everything as before (extension modules such as pyslang's nanobind
  count what is left then and would report leaks).
"""

from __future__ import annotations

import atexit
import gc
import threading
from contextlib import contextmanager
from typing import Iterator

CLIENT_MODULES = ("openai", "langchain_openai")

_lock = threading.Lock()
_holders = 0
_reenable = False  # the collector was on when the first holder came, so the last one turns it back on
_started: threading.Thread | None = None
_exit_registered = False
_exiting = False


@contextmanager
def few_collections() -> Iterator[None]:
    """No cyclic collection while any thread is inside; on the way out of the last one, what now exists is
    frozen (see the module's note) and the collector is turned back on, unless it was off before."""
    global _holders, _reenable, _exit_registered
    with _lock:
        if not _exit_registered:
            atexit.register(_at_exit)
            _exit_registered = True
        if _holders == 0:
            _reenable = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _reenable and not _exiting:
                gc.freeze()
                gc.enable()


def _at_exit() -> None:
    """The interpreter's last collection sees every object again, even if the process ends while a holder
    (a daemon thread still importing) is inside."""
    global _exiting
    with _lock:
        _exiting = True
        gc.unfreeze()
        if _holders and _reenable:
            gc.enable()


def _import_all() -> None:
    import importlib

    with few_collections():
        for name in CLIENT_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a missing or broken library fails again, with its error, when used
                return


def start() -> threading.Thread:
    """Import the client's libraries in a daemon thread (once per process; later calls return that thread).
    A library that cannot be imported is reported by whoever uses it, not here."""
    global _started
    with _lock:
        if _started is None:
            _started = threading.Thread(target=_import_all, daemon=True, name="aigchip-client-import")
            _started.start()
        return _started
