"""The unit tier runs without servers: any socket it tries to open fails the test."""
from __future__ import annotations

import socket

import pytest


class SocketUsed(AssertionError):
    pass


def _refuse(*args, **kwargs):
    raise SocketUsed("a unit test opened a socket: it belongs in tests/integration/")


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch):
    for name in ("connect", "connect_ex", "bind"):
        monkeypatch.setattr(socket.socket, name, _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
