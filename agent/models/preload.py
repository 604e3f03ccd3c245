"""The chat client's imports run with the cyclic garbage collector held off.

Building the chat client imports langchain_openai, openai and langsmith: about 1.2 CPU seconds, all under
the GIL, before a run's first request can leave (eval makes its model before the pre-flight, so that this
overlaps the reference checks: bench/run_model.py). The import builds about 230,000 objects (pydantic
schemas, typing forms, classes) and frees almost none of them, yet the collector runs after every 700 new
objects and walks the growing young generations again and again: 15-20% of the import's CPU.
`few_collections()` holds it off meanwhile. When the last holder leaves for the first time, what was built
moves to the permanent generation (gc.freeze): those objects live as long as the process, and later
collections never walk them. Only the first time: a long-lived process (`aigchip serve`) builds a client per
turn, and freezing each time would keep whatever cyclic garbage was waiting then for good. At exit they are unfrozen and the collector is on again, even if a build is still going on in
its daemon thread, so the interpreter's last collection sees everything as before (extension modules such
as pyslang's nanobind count what is left then and would report leaks).
"""

from __future__ import annotations

import atexit
import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_holders = 0
_reenable = False  # the collector was on when the first holder came, so the last one turns it back on
_exit_registered = False
_exiting = False
_frozen = False  # the first build's objects went to the permanent generation


@contextmanager
def few_collections() -> Iterator[None]:
    """No cyclic collection while any thread is inside; on the way out of the last one, the first time, what
    now exists is frozen (see the module's note), and the collector is turned back on unless it was off before."""
    global _holders, _reenable, _exit_registered, _frozen
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
                if not _frozen:
                    gc.freeze()
                    _frozen = True
                gc.enable()


def _at_exit() -> None:
    """The interpreter's last collection sees every object again, even if the process ends while a holder
    (a daemon thread still building the client) is inside."""
    global _exiting
    with _lock:
        _exiting = True
        gc.unfreeze()
        if _holders and _reenable:
            gc.enable()
