"""`aigchip eval --executor ray`: the checks (simulations) fanned out over a Ray cluster.

`make_ray_check(address, jobs)` returns a function shaped like `sim.verify_many(pairs, jobs=...)` that
submits each (design, options) pair as one Ray task (`sim.check.verify` with one CPU) and returns the
verdicts in input order. The runner still limits the checks in flight to `--jobs`, so with a cluster raise
`--jobs` to about the number of CPUs it offers.

Ray starts lazily, once, on the first call: `address=None` starts (or joins) a Ray instance on this machine,
an address like `ray://head:10001` or `auto` joins that cluster. Designs, options and verdicts are pydantic
models and travel pickled, but the options name files by path (the testbench, the cocotb tests, the
reference model): every worker must be able to read them at the same paths. On one machine that just
works; on a multi-machine cluster put the benchmark folder on a shared filesystem (NFS and the like)
mounted at the same path everywhere, and install aigchip and the simulators on every node. Each worker
uses its own verdict cache (under its AIGCHIP cache root).

Ray is imported only here, inside the functions: without the `ray` extra, aigchip costs nothing more to import.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

INSTALL_HINT = "--executor ray needs Ray: install the extra: pip install 'aigchip[ray]'"

_lock = threading.Lock()
_remote_verify: Any = None  # the @ray.remote wrapper of sim.check.verify, made once per process


class RayUnavailable(ValueError):
    """Ray is not installed, or the cluster cannot be reached (the runner reports it as an EvalError)."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailable(INSTALL_HINT) from None
    return ray


def _started(ray: Any, address: str | None) -> Any:
    """The remote verify function, after joining or starting Ray (once; a Ray already running is reused)."""
    global _remote_verify
    with _lock:
        if not ray.is_initialized():
            try:
                ray.init(address=address or None, ignore_reinit_error=True, include_dashboard=False,
                         log_to_driver=False, configure_logging=False)
            except Exception as exc:  # noqa: BLE001 - a wrong address, a cluster that is down, a version mismatch
                where = address or "a local Ray instance"
                raise RayUnavailable(f"cannot start or join {where}: {type(exc).__name__}: {exc}") from None
        if _remote_verify is None:
            from aigchip.sim.check import verify

            _remote_verify = ray.remote(num_cpus=1)(verify)
        return _remote_verify


def make_ray_check(address: str | None, jobs: int) -> Callable[..., list]:
    """A `verify_many(pairs, jobs=...)` that runs each check as a Ray task; verdicts keep the input order.

    Raises RayUnavailable (a usage error) at once when Ray is not installed; Ray itself starts on the first
    call. `jobs` is accepted for the signature: the runner's semaphore is what bounds the checks in flight."""
    ray = _import_ray()
    del jobs

    def ray_verify_many(pairs: Any, jobs: int = 1) -> list:
        items = list(pairs)
        if not items:
            return []
        remote = _started(ray, address)
        refs = [remote.remote(design, options) for design, options in items]
        return list(ray.get(refs))

    return ray_verify_many
