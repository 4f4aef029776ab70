"""Parts of a whole-population pass run side by side in local processes.

The task queue is how a deployment shares a pass between hosts (`tasks.py`: one task per
part, any number of `resultsday worker` processes). This is the same split for one host and
one command (`tracking-report --all --parallel N`, `bench/tracking.py --parallel N`): each
part runs in a forked process with database connections of its own.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from django.db import connection, connections

P = TypeVar("P")
R = TypeVar("R")


def parts_run(fn: Callable[[P], R], parts: Sequence[P], *, processes: int) -> list[R]:
    """`fn(part)` for every part, in order, in up to `processes` processes.

    `fn` must be a module-level function (it is named, not pickled, across the fork). Inside
    a transaction (tests, or a caller's atomic block) the parts run one after the other in
    this process: a child could not see uncommitted rows.
    """
    if processes <= 1 or len(parts) <= 1 or connection.in_atomic_block:
        return [fn(part) for part in parts]
    # A child that inherited an open connection would share its socket with the parent and
    # every other child; closed here, each process opens its own on its first query.
    connections.close_all()
    # fork: children start with Django set up and the grading catalogue already loaded.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(processes, len(parts)),
                             mp_context=context) as pool:
        return list(pool.map(fn, parts))
