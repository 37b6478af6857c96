"""The token refresher fixtures (tests/fixtures/token_refresher.py) for the tests in this folder."""
from tests.fixtures.token_refresher import *  # noqa: F401,F403
