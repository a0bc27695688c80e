"""Stopping apply: SIGTERM is one Ctrl-C, and a stop lets the calls in flight finish.

CI runners, GitLab, Kubernetes and `timeout` stop a job with SIGTERM; people press Ctrl-C, often
several times. Python's defaults (SIGTERM kills at once; each SIGINT raises KeyboardInterrupt
wherever the main thread is, including inside the wait for worker threads and inside
interpreter shutdown) lose the secrets of keys being created. So:

- while apply only reads and plans, SIGTERM raises KeyboardInterrupt like SIGINT (nothing has
  been written: stopping at once is safe);
- once writing starts, the first SIGINT or SIGTERM asks the run to stop (`on_stop`): calls in
  flight finish and store their secrets, nothing new starts; later signals only say that it is
  stopping. Handlers can only be installed from the main thread; elsewhere nothing changes.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    with _handlers({signal.SIGTERM: interrupt}):
        yield


@contextmanager
def drain_on_stop(on_stop: Callable[[], None]) -> Iterator[None]:
    """First SIGINT/SIGTERM: `on_stop()`; later ones: a line on stderr, nothing else."""
    stopping = []

    def stop(signum, frame):
        if stopping:
            _say("orsync: already stopping: waiting for the calls in flight to finish\n")
            return
        stopping.append(signum)
        _say(f"orsync: {signal.Signals(signum).name}: stopping after the calls in flight "
             "(their secrets are stored); nothing new is started\n")
        on_stop()

    with _handlers({signum: stop for signum in STOP_SIGNALS}):
        yield
    if stopping and threading.current_thread() is threading.main_thread():
        # The run is ending because it was asked to: a late press must not turn the exit
        # (130, after the summary) into a traceback from interpreter shutdown.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


@contextmanager
def _handlers(handlers: dict) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _say(text: str) -> None:
    # os.write, not a stream: the handler may run while the main thread holds a stream's lock.
    try:
        os.write(2, text.encode())
    except OSError:
        pass
