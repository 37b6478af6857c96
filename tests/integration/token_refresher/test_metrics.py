"""token_refresher_* figures ops watch: refreshes by outcome, lag, tokens near
expiry, connections by state, revocations by reason."""
from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from token_refresher.bootstrap import gauges

pytestmark = pytest.mark.integration


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_refreshes_lag_revocations_and_gauges_are_counted(world):
    refreshed = value("token_refresher_refreshes_total", network="x", outcome="refreshed")
    lagged = value("token_refresher_refresh_lag_seconds_count", network="x")
    revoked = value("token_refresher_revocations_total", network="youtube", reason="revoked_at_provider")

    fine, gone = world.connect("x"), world.connect("youtube")  # 2 h and 1 h tokens
    world.connect("tiktok")  # 2 h
    pinterest = world.connect("pinterest")  # 30 days
    world.sandbox.revoke("youtube", world.accounts[gone][1])
    world.make_due(fine)
    world.make_due(gone)
    world.run_due()

    assert value("token_refresher_refreshes_total", network="x", outcome="refreshed") == refreshed + 1
    assert value("token_refresher_refresh_lag_seconds_count", network="x") == lagged + 1
    assert value("token_refresher_revocations_total", network="youtube", reason="revoked_at_provider") == revoked + 1

    update = gauges(world.refresher).update
    update()
    assert value("token_refresher_tokens_expiring", network="tiktok", window="24h") == 1
    assert value("token_refresher_tokens_expiring", network="pinterest", window="7d") == 0
    assert value("token_refresher_connections", state="active") == 3
    assert value("token_refresher_connections", state="revoked") == 1

    world.advance(days=24)
    update()
    assert world.row(pinterest).token_expires_at > world.clock()
    assert value("token_refresher_tokens_expiring", network="pinterest", window="7d") == 1
    assert value("token_refresher_tokens_expiring", network="pinterest", window="24h") == 0
