"""Keeps the operator's memory from creeping up wave after wave of jobs (glibc's malloc).

glibc gives a thread that finds the heap busy an arena of its own, up to eight per core,
and what a thread frees stays in its arena for later. The operator's forty-odd threads (API
calls, status writes, watch streams) each decode and drop large JSON bodies, so free memory
ends up scattered over many arenas and RSS rises with every burst of jobs though no Python
object stays behind. Python threads allocate under the GIL anyway, so a few arenas cost no
contention worth having; and memory that is free when the operator looks again goes back to
the OS instead of waiting for the next burst.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt parameter (malloc.h)
ARENAS = 2
TRIM_SECONDS = 30.0


def _glibc():
    """The C library when it is glibc (mallopt and malloc_trim), else None (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap malloc's arenas; call before the threads start. True when the cap took."""
    libc = _glibc()
    return bool(libc and libc.mallopt(_M_ARENA_MAX, arenas))


def trim() -> bool:
    """Hand free memory back to the OS; True when some was. ctypes drops the GIL for the
    call, so other threads run on while it walks the arenas."""
    libc = _glibc()
    return bool(libc and libc.malloc_trim(0))


def keep_trimming(every: float = TRIM_SECONDS) -> threading.Thread | None:
    """Trim every `every` seconds from a daemon thread, for the life of the process."""
    if _glibc() is None:
        log.info("not glibc: free memory stays with the allocator")
        return None
    stop = threading.Event()  # never set: the thread lives as long as the process

    def run() -> None:
        while not stop.wait(every):
            trim()

    thread = threading.Thread(target=run, name="troupe-trim", daemon=True)
    thread.start()
    return thread
