"""How the engine starts worker processes (forked where that is safe, spawned where it is not),
and how a build runs in its own: the cycle collector paused, its phases timed.

Forking is an optimisation here. Forked render workers inherit the whole site graph instead of
receiving it, the inputs are statted in a forked child while the build imports, and a large
commit writes files in two processes. None of it is needed for the right bytes: without fork
the converters and the picture workers are spawned (they receive only paths), and the rest runs
in this process.

Fork is used only when all three hold: the switch allows it (``TIDE_START_METHOD``: ``fork``,
the default where the system has it, or ``spawn``); the system has it (Windows has not; macOS
discourages it, so there the default is ``spawn``); and this process runs no other thread (the
preview does: forking a threaded process can deadlock the child, and Python 3.12+ warns).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext

SWITCH = "TIDE_START_METHOD"
METHODS = ("fork", "spawn")


class BadSwitch(ValueError):
    """``TIDE_START_METHOD`` holds something else than a start method."""


def start_method() -> str:
    """The start method the switch asks for, or the system's default."""
    chosen = os.environ.get(SWITCH, "").strip().lower()
    if not chosen:
        return "fork" if hasattr(os, "fork") and sys.platform.startswith("linux") else "spawn"
    if chosen not in METHODS:
        raise BadSwitch(f"{SWITCH}={os.environ[SWITCH]!r} is not a start method; use {' or '.join(METHODS)}")
    if chosen == "fork" and not hasattr(os, "fork"):
        raise BadSwitch(f"{SWITCH}=fork, but this system cannot fork processes; use spawn")
    return chosen


def may_fork() -> bool:
    """Whether this process may fork now."""
    return start_method() == "fork" and threads() == 1


def pool_context() -> BaseContext:
    """The multiprocessing context for workers that receive all they need as arguments."""
    import multiprocessing

    return multiprocessing.get_context("fork" if may_fork() else "spawn")


def threads() -> int:
    """This process's threads, counted as Python 3.12 counts them before it warns about a fork:
    by the kernel where it tells (threads started by C libraries too), else by ``threading``."""
    try:
        with open("/proc/self/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rindex(b")") + 2 :].split()[17])  # field 20, num_threads
    except (OSError, ValueError, IndexError):
        return threading.active_count()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector walks every live object again and again while a build allocates;
    at 10,000 articles that was over half the time of loading the cache. Everything a build makes
    lives until it ends, so the collector waits until then (and runs as usual between builds)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Laps:
    """Where a build's time went, phase by phase (the build's report shows them)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now
