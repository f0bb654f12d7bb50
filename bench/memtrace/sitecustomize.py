"""`make bench --trace-memory`: the operator traces its Python allocations (tracemalloc).

Python imports a `sitecustomize` module from its path at start-up; the bench puts this
folder on the operator's PYTHONPATH only, so the operator's own code stays as shipped. On
SIGUSR1 the operator dumps a snapshot into $TROUPE_BENCH_TRACEMALLOC as snapshot-N.pickle
(N counts from 1); the bench compares the first with the last to tell a leak of Python
objects from memory the C allocator keeps.
"""

import itertools
import os
import signal
import tracemalloc

_folder = os.environ.get("TROUPE_BENCH_TRACEMALLOC")
if _folder:
    tracemalloc.start(1)  # one frame: the allocating line, at a bearable cost
    _numbers = itertools.count(1)

    def _dump(*_):
        path = os.path.join(_folder, f"snapshot-{next(_numbers)}.pickle")
        tracemalloc.take_snapshot().dump(path + ".part")
        os.replace(path + ".part", path)  # the bench sees whole files only

    signal.signal(signal.SIGUSR1, _dump)
