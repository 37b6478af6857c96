"""Fixtures for the provider sandbox: a fresh app per test, driven through the Flask test client."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from provider_sandbox.app import create_app
from tests.sandbox.flows import Flows

ALL_OAUTH = ("instagram", "facebook", "threads", "tiktok", "youtube", "linkedin", "x", "pinterest", "mastodon")


@pytest.fixture
def config() -> dict:
    """Override per test (or per module) to configure the sandbox."""
    return {"auto_approve": True}


@pytest.fixture
def app(config):
    return create_app(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def flows(client) -> Flows:
    return Flows(client)


@pytest.fixture
def serve():
    """`with serve(wsgi_app) as base_url:` runs it on loopback for real HTTP clients."""
    return live


@contextmanager
def live(app):
    """Serve a WSGI app on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
