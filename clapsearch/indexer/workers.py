"""Decoding in worker processes that may die: each worker holds one task, so a crash names its file.

multiprocessing.Pool waits forever for the result of a worker that the OOM killer or a crashing native
decoder took down. Here each worker is a process with its own pipe; the parent waits on the pipes and on the
processes' sentinels together, so a death is seen at once and a hang after `timeout` seconds. The task is
then tried once more in a fresh worker, and after a second failure it comes back as an error result.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

ATTEMPTS = 2  # a task whose worker dies is tried once more in a fresh worker
START_TIMEOUT = 300.0  # seconds for a fresh worker to import torch and the decoder (a loaded machine is slow)
READY = "ready"


def _serve(conn: Connection, fn: Callable[[Any], Any], warm: Callable[[], None] | None = None) -> None:
    # Ctrl-C is handled once, by the parent, which saves what is done; workers just end with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if warm is not None:
        try:
            warm()  # what fn imports on first use, imported while the parent starts up too
        except Exception:  # noqa: BLE001 - fn reports its own failure, per task
            log.debug("decode worker warm-up failed", exc_info=True)
    conn.send(READY)  # fn's module is imported by now: a task's timeout counts decoding, not start-up
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        conn.send(fn(task))


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process
    conn: Connection
    job: int | None = None  # sequence number of the task it holds
    since: float = 0.0
    ready: bool = False  # its READY message read (a worker from start() may still be importing)


class WorkerPool:
    """Runs fn(task) in `workers` spawned processes and yields (task, result) in the order of the tasks.

    fn must be importable by name (it is sent to fresh processes). A task whose worker dies or runs past
    `timeout` seconds twice yields on_failure(task, reason) instead of a result.
    """

    def __init__(self, fn: Callable[[Any], Any], workers: int, on_failure: Callable[[Any, str], Any],
                 timeout: float = 300.0, in_flight: int | None = None,
                 warm: Callable[[], None] | None = None) -> None:
        if workers < 1:
            raise ValueError(f"a worker pool needs at least one worker, got {workers}")
        self.fn, self.size, self.on_failure, self.timeout = fn, workers, on_failure, timeout
        self.warm = warm  # run in each worker before it reports ready (importable by name, as fn)
        self.in_flight = in_flight or 3 * workers  # bounded memory: results wait in order for the slowest
        self._ctx = mp.get_context("spawn")  # fork after torch has started threads is unsafe
        self._workers: list[_Worker] = []

    def start(self) -> None:
        """Start every worker now, without waiting for them: their imports overlap what the caller does next (the
        indexer loads its model). map() waits for each before its first task; close() if map() is never called."""
        while len(self._workers) < self.size:
            self._workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        p = self._ctx.Process(target=_serve, args=(child, self.fn, self.warm), daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def _start(self) -> _Worker:
        return self._await_ready(self._spawn())

    def _await_ready(self, w: _Worker) -> _Worker:
        try:
            ready = w.conn.poll(START_TIMEOUT) and w.conn.recv() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._workers = [x for x in self._workers if x is not w]
            w.process.kill()
            w.process.join(timeout=5)
            w.conn.close()
            raise RuntimeError(f"a decode worker process did not start within {START_TIMEOUT:.0f} s "
                               f"(exit code {w.process.exitcode})")
        w.ready = True
        return w

    def _stop(self, w: _Worker, kill: bool = False) -> None:
        if kill and w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=5)
        w.conn.close()

    def map(self, tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        it = iter(tasks)
        queue: deque[int] = deque()  # sequence numbers waiting for a worker, retries first
        items: dict[int, Any] = {}
        attempts: dict[int, int] = {}
        done: dict[int, Any] = {}
        issued = next_out = 0
        exhausted = False
        try:
            while True:
                while not exhausted and issued - next_out < self.in_flight:
                    task = next(it, _END)
                    if task is _END:
                        exhausted = True
                        break
                    items[issued] = task
                    queue.append(issued)
                    issued += 1
                while next_out in done:
                    yield items.pop(next_out), done.pop(next_out)
                    next_out += 1
                if exhausted and next_out == issued:
                    return
                self._dispatch(queue, items)
                self._collect(queue, items, attempts, done)
        finally:
            self.close()

    def close(self) -> None:
        """Stop every worker (a worker still busy, or still starting, is killed)."""
        for w in self._workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in self._workers:
            self._stop(w, kill=w.job is not None or not w.ready)
        self._workers.clear()

    def _dispatch(self, queue: deque[int], items: dict[int, Any]) -> None:
        while queue:
            idle = [w for w in self._workers if w.job is None]
            if not idle and len(self._workers) < self.size:
                self._workers.append(self._start())
                continue
            if not idle:
                return
            w = idle[0]
            if not w.ready:
                self._await_ready(w)
            seq = queue.popleft()
            w.conn.send(items[seq])
            w.job, w.since = seq, time.monotonic()

    def _collect(self, queue: deque[int], items: dict[int, Any], attempts: dict[int, int],
                 done: dict[int, Any]) -> None:
        busy = [w for w in self._workers if w.job is not None]
        if not busy:
            return
        deadline = min(w.since for w in busy) + self.timeout
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                     timeout=max(0.0, deadline - time.monotonic()))
        for w in busy:
            seq = w.job
            assert seq is not None  # busy workers hold a job
            failure = None
            if w.conn in ready:
                try:
                    done[seq] = w.conn.recv()
                    w.job = None
                    continue
                except (EOFError, OSError):
                    failure = self._death(w)
            elif w.process.sentinel in ready:
                failure = self._death(w)
            elif time.monotonic() - w.since >= self.timeout:
                failure = f"decoding took over {self.timeout:.0f} s (the decoder hung)"
            if failure is None:
                continue
            self._stop(w, kill=True)
            self._workers.remove(w)
            attempts[seq] = attempts.get(seq, 0) + 1
            if attempts[seq] < ATTEMPTS:
                log.warning("decode worker failed (%s); trying its task again in a fresh worker", failure)
                queue.appendleft(seq)
            else:
                done[seq] = self.on_failure(items[seq], f"{failure}, twice")

    @staticmethod
    def _death(w: _Worker) -> str:
        w.process.join(timeout=5)
        code = w.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the decoder process was killed by {name} (out of memory, or a crash in a native decoder)"
        return f"the decoder process exited unexpectedly (exit code {code})"


_END = object()
