"""Decode functions that fail the way real decoders do, for worker-process tests (imported by name in workers)."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from clapsearch.indexer.decoding import DecodeResult, DecodeTask, decode


def dies_on_crash_files(task: DecodeTask) -> DecodeResult:
    """Kill this worker with SIGKILL (as the OOM killer does) on files named crash-*.

    crash-always-*: every time. crash-once-*: only the first time (a marker file beside it remembers).
    hang-*: sleep forever (a decoder stuck in a loop).
    """
    name = Path(task.path).name
    if name.startswith("crash-always"):
        os.kill(os.getpid(), signal.SIGKILL)
    if name.startswith("crash-once"):
        marker = Path(task.path + ".crashed")
        if not marker.exists():
            marker.write_text("x")
            os.kill(os.getpid(), signal.SIGKILL)
    if name.startswith("hang"):
        time.sleep(3600)
    return decode(task)


WARMED: list[str] = []


def warm_up() -> None:
    """A worker's warm-up (WorkerPool(warm=...)), seen by was_warmed in the same process."""
    WARMED.append("warm")


def warm_up_fails() -> None:
    raise ImportError("no such decoder library")


def was_warmed(task: object) -> tuple[object, list[str]]:
    return task, list(WARMED)
