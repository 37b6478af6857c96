"""The bluesky fixtures (tests/fixtures/bluesky.py) for the tests in this folder."""
from tests.fixtures.bluesky import *  # noqa: F401,F403
