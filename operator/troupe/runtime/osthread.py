"""Gives a thread its Python name in the OS too (Linux keeps 15 bytes of it), so that
`top -H`, `ps -L` and /proc/PID/task show which part of the operator spends the CPU: the
event loop (the process's own name), a watch stream, the API call threads."""

from __future__ import annotations

import ctypes
import sys
import threading

_PR_SET_NAME = 15


def name_os_thread() -> None:
    """Call from the thread itself, as it starts."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_NAME, threading.current_thread().name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):  # no libc to ask: the name is only for people
        pass
