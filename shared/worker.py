"""Run a service's background loops (consumer, relay, refresher) in one process,
stopping cleanly on SIGTERM or Ctrl-C: each loop gets the same stop event and
finishes the message or batch in hand before the process exits."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Callable

from shared.metrics import serve_worker_metrics

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


def run_loops(loops: dict[str, Loop], stop: threading.Event | None = None, metrics_port: int | None = None) -> None:
    stop = stop or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # before anything answers: a SIGTERM from then on is graceful
        signal.signal(sig, lambda *_: stop.set())
    metrics = serve_worker_metrics(metrics_port) if metrics_port else None
    threads = [threading.Thread(target=_guard(name, loop, stop), name=name, daemon=True)
               for name, loop in loops.items()]
    for thread in threads:
        thread.start()
    log.info("worker started: %s", ", ".join(loops))
    while not stop.wait(0.5):
        if not all(t.is_alive() for t in threads):
            log.error("a worker loop died; stopping")
            stop.set()
    for thread in threads:
        thread.join(timeout=10)
    if metrics is not None:
        metrics.shutdown()
    log.info("worker stopped")


def _guard(name: str, loop: Loop, stop: threading.Event) -> Callable[[], None]:
    def target():
        try:
            loop(stop)
        except Exception:
            log.exception("loop %s crashed", name)
            stop.set()
    return target
