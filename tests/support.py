"""Small helpers for tests, one of each: a `Clock` the test moves, `serve` a WSGI
app on loopback, run worker loops in threads, `wait_for` an asynchronous outcome
without sleeping blindly, and `LogCapture` (the `captured_logs` fixture)."""
from __future__ import annotations

import io
import logging
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator

from werkzeug.serving import make_server

from shared.events import utcnow
from shared.logs import JsonFormatter


def free_port() -> int:
    """A loopback port free right now (for a server whose address must be known before it starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Clock:
    """The tests' notion of now, handed to the code as its `clock`. Frozen at `start`
    (default: the real now) and moved only by the test, or `running`: real time plus
    whatever the test moved it by (for code that also reads the wall clock, e.g. a
    sandbox that stamps versions)."""

    def __init__(self, start: datetime | None = None, *, running: bool = False):
        self.running, self.offset = running, timedelta()
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return utcnow() + self.offset if self.running else self.now

    def advance(self, by: float | timedelta = 0, **delta: float) -> datetime:
        """Move forward `by` seconds (or a timedelta), or by timedelta keywords (days=3)."""
        step = (by if isinstance(by, timedelta) else timedelta(seconds=by)) + timedelta(**delta)
        if self.running:
            self.offset += step
        else:
            self.now += step
        return self()


class LogCapture(io.StringIO):
    """Everything logged during a test: the text is the JSON lines production would
    write (scrubbed); `records` are the records as the code emitted them, before any
    scrubbing (to prove a secret never even reached a logger)."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.handler = logging.StreamHandler(self)
        self.handler.setFormatter(JsonFormatter("test"))
        capture = self

        class Keep(logging.Handler):
            def emit(self, record):
                capture.records.append(record)

        self.keeper = Keep(logging.DEBUG)

    @contextmanager
    def installed(self):
        root = logging.getLogger()
        previous = root.level
        root.addHandler(self.handler)
        root.addHandler(self.keeper)
        root.setLevel(logging.DEBUG)
        try:
            yield self
        finally:
            root.removeHandler(self.handler)
            root.removeHandler(self.keeper)
            root.setLevel(previous)


def listening_socket() -> socket.socket:
    """A loopback socket already bound and listening: its port is known before the app that will serve it
    exists, and no other process (parallel test workers included) can take it meanwhile."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def serve(app, port: int = 0, sock: socket.socket | None = None) -> Iterator[str]:
    """Run `app` on 127.0.0.1 in a thread (on `sock` when given); yields its base URL."""
    server = make_server("127.0.0.1", sock.getsockname()[1] if sock else port, app, threaded=True,
                         fd=sock.fileno() if sock else None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def running(*loops: Callable[[threading.Event], None]) -> Iterator[threading.Event]:
    """Run worker loops (relay.run, consumer.run, …) until the block ends."""
    stop = threading.Event()
    threads = [threading.Thread(target=loop, args=(stop,), daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    try:
        yield stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)


def wait_for(check: Callable[[], object], timeout: float = 10.0, interval: float = 0.02, what: str = "condition"):
    """Poll `check` until it returns something truthy; fail with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
