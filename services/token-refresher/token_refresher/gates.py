"""Per-network limits inside one refresher process: at most `per_network` calls to
one platform at a time, and a pause for the whole network when it answered 429
with Retry-After (token endpoints limit the app, not one user)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime


class NetworkGate:
    def __init__(self, limit: int):
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.paused_until: datetime | None = None

    def paused(self, now: datetime) -> datetime | None:
        until = self.paused_until
        return until if until and until > now else None

    def pause(self, until: datetime) -> None:
        with self._lock:
            if self.paused_until is None or until > self.paused_until:
                self.paused_until = until

    @contextmanager
    def slot(self):
        with self._slots:
            yield


class Gates:
    def __init__(self, per_network: int):
        self.per_network = per_network
        self._gates: dict[str, NetworkGate] = {}
        self._lock = threading.Lock()

    def __call__(self, network: str) -> NetworkGate:
        with self._lock:
            if network not in self._gates:
                self._gates[network] = NetworkGate(self.per_network)
            return self._gates[network]
