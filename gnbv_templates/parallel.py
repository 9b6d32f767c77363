"""One function over many files on an executor: results in order, a bounded window, progress.

Each file is a task of its own, so the work stays balanced however uneven the files are; at most
``window`` results wait in memory, and local worker processes are replaced every ``RECYCLE`` items, so a
folder of ten thousand returns costs what a folder of a few hundred does.  The executor is any
``concurrent.futures.Executor`` (a cluster's, e.g. Dask's ``Client.get_executor()``); without one, local
process pools are made and shut down here.

Local workers are forked from this process after it has done the first item itself: what the first file
builds (compiled checks and rules, layouts) is then there in every worker from its start, instead of
being built again by each worker, and again each time workers are replaced.  Replacing them is
seamless: the next workers start taking items while the last items of the old ones finish.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from itertools import islice
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")

Progress = Callable[[int, int], None]
RECYCLE = 250  # items per set of worker processes


def workers(jobs: int | None) -> int:
    return max(1, jobs or os.cpu_count() or 1)


def ordered(
    fn: Callable[[A], R],
    items: Iterable[A],
    *,
    executor: Executor | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> Iterator[R]:
    """``fn`` of every item, yielded in the items' order as soon as each is ready."""
    todo = list(items)
    total = len(todo)
    if executor is not None:
        size = getattr(executor, "_max_workers", None) or workers(jobs)
        yield from _windowed(executor, fn, todo, size * 8, progress)
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
    pools = _Pools(fn, min(count, len(todo) - 1))
    try:
        yield from pools.run(todo[1:], count * 8)
    finally:
        pools.close()


class _Pool(Generic[R]):
    def __init__(self, processes: int) -> None:
        self.executor = ProcessPoolExecutor(max_workers=processes)
        self.submitted = 0
        self.waiting = 0  # its results not yet taken


class _Pools(Generic[A, R]):
    """Local worker processes, a new set every ``RECYCLE`` items, with no pause between sets."""

    def __init__(self, fn: Callable[[A], R], processes: int) -> None:
        self.fn = fn
        self.processes = processes
        self.live: list[_Pool[R]] = []

    def _submit(self, item: A) -> tuple[Future[R], _Pool[R]]:
        if not self.live or self.live[-1].submitted >= RECYCLE:
            # fresh workers every few hundred files: what a worker's libraries keep (caches, a fragmented heap)
            # cannot grow with the size of the batch
            self.live.append(_Pool(self.processes))
        pool = self.live[-1]
        pool.submitted += 1
        pool.waiting += 1
        return pool.executor.submit(self.fn, item), pool

    def run(self, todo: list[A], window: int) -> Iterator[R]:
        queue = iter(todo)
        pending = deque(self._submit(item) for item in islice(queue, window))
        while pending:
            future, pool = pending.popleft()
            result = future.result()
            for item in islice(queue, 1):
                pending.append(self._submit(item))
            pool.waiting -= 1
            if not pool.waiting and pool is not self.live[-1]:  # an old set, done: let its processes go
                self.live.remove(pool)
                pool.executor.shutdown(wait=True)
            yield result

    def close(self) -> None:
        """Stopped early (an error, Ctrl-C) or done: no work left running for nobody."""
        for pool in self.live:
            pool.executor.shutdown(wait=True, cancel_futures=True)
        self.live = []


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
