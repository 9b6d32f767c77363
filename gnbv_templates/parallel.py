"""One function over many files on an executor: results in order, a bounded window, progress.

Each file is a task of its own, so the work stays balanced however uneven the files are; at most
``window`` results wait in memory, and local worker processes are replaced every ``RECYCLE`` items, so a
folder of ten thousand returns costs what a folder of a few hundred does.  The executor is any
``concurrent.futures.Executor`` (a cluster's, e.g. Dask's ``Client.get_executor()``); without one, local
process pools are made and shut down here.

Local workers are forked from this process after it has done the first item itself: what the first file
builds (compiled checks and rules, layouts) is then there in every worker from its start, instead of
being built again by each worker, and again each time workers are replaced.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

A = TypeVar("A")
R = TypeVar("R")

Progress = Callable[[int, int], None]
RECYCLE = 250  # items per set of worker processes
# results submitted ahead, per worker: enough to keep the workers busy for the second or so the caller may
# spend between two results (consolidate_each writes a return there), few enough to stay small in memory
AHEAD = 32


def workers(jobs: int | None) -> int:
    return max(1, jobs or os.cpu_count() or 1)


def ordered(
    fn: Callable[[A], R],
    items: Iterable[A],
    *,
    executor: Executor | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> Generator[R, None, None]:
    """``fn`` of every item, yielded in the items' order as soon as each is ready."""
    todo = list(items)
    total = len(todo)
    if executor is not None:
        size = getattr(executor, "_max_workers", None) or workers(jobs)
        # a caller's executor may have many workers (threads, a cluster): fewer ahead for each, as many in all
        yield from _windowed(executor, fn, todo, max(size * 8, 2 * AHEAD), progress)
        return
    for done, result in enumerate(_local(fn, todo, workers(jobs)), 1):
        yield result
        if progress:
            progress(done, total)


def _local(fn: Callable[[A], R], todo: list[A], count: int) -> Iterator[R]:
    """The first item here, the rest (if any) on local processes forked after it."""
    if not todo:
        return
    yield fn(todo[0])
    if count == 1 or len(todo) == 1:
        for item in todo[1:]:
            yield fn(item)
        return
    rest = todo[1:]
    for start in range(0, len(rest), RECYCLE):
        # fresh workers every few hundred files: what a worker's libraries keep (caches, a fragmented heap)
        # cannot grow with the size of the batch.  One set at a time: two sets alive together would double
        # the workers' memory for as long as the old one finishes
        part = rest[start : start + RECYCLE]
        # what this process holds (definitions, layouts, compiled checks: up to millions of objects) is set
        # aside from the cycle collector while workers are forked from it: their collections would otherwise
        # walk all of it again and again, and write to every page they share with this process.  The young
        # garbage is collected first (what the caller made since the last set: a consolidated return written
        # between two results), so that it is not frozen with the rest; a full collection here would walk
        # everything this process holds once per set of workers, while they wait
        with _FROZEN:
            pool = ProcessPoolExecutor(max_workers=min(count, len(part)), initializer=_collect_less)
            try:
                yield from _windowed(pool, fn, part, count * AHEAD, None)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


class _Frozen:
    """This process set aside from the cycle collector while any local batch has workers forked from it.

    Batches may nest (a loop over ``consolidate_each`` that validates a folder) or run in several threads:
    each one freezes what there is when its workers are forked, and the process is unfrozen only when the
    last one ends, not when the first does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0

    def __enter__(self) -> None:
        with self._lock:
            gc.collect(1)
            gc.freeze()
            self._holders += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._holders -= 1
            if not self._holders:
                gc.unfreeze()


_FROZEN = _Frozen()


# young collections of a worker's cycle collector: every 5.000 new objects, not the default 700
WORKER_THRESHOLD = 5000


def _collect_less() -> None:
    """A worker's cycle collector, set to run less often.

    A return of a unit with units below (a district's Biểu 15 lists its communes) has layouts and compiled
    checks of its own: tens of thousands of objects that outlive the file, in a cache.  At the default
    thresholds they set off a full collection every dozen files, which walks everything the worker holds;
    fewer, larger young collections leave most of them nothing to do.  The workers are this module's own
    processes (a caller's executor is left as it is), and they are replaced every ``RECYCLE`` items."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(WORKER_THRESHOLD, middle, old)


def _windowed(executor: Executor, fn: Callable[[A], R], todo: list[A], window: int,
              progress: Progress | None) -> Iterator[R]:
    total = len(todo)
    queue = iter(todo)
    pending: deque[Future[R]] = deque(executor.submit(fn, item) for item in islice(queue, window))
    done = 0
    try:
        while pending:
            result = pending.popleft().result()
            for item in islice(queue, 1):
                pending.append(executor.submit(fn, item))
            done += 1
            yield result
            if progress:
                progress(done, total)
    finally:
        for future in pending:  # stopped early (an error, Ctrl-C): do not leave work running for nobody
            future.cancel()
