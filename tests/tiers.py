"""The three tiers of the suite, and the table printed at the end of a run.

- `tests/unit/`: pure rules; no servers, no sockets (tests/unit/conftest.py refuses
  them), no browser; seconds. `make test-unit`.
- `tests/integration/`: one service (or shared/ piece) against the machine's real
  PostgreSQL and RabbitMQ, the embedded backend, and the provider sandbox.
- `tests/e2e/`: the whole system: browser journeys, the reference Bluesky PDS.

`make test` runs every tier in one session; the table counts each tier's tests by
outcome and adds up the time its tests took (setup, call and teardown).
"""
from __future__ import annotations

import time
from collections import defaultdict

import pytest

TIERS = ("unit", "integration", "e2e")


def tier_of(nodeid: str) -> str:
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" and parts[1] in TIERS else "other"


class TierTable:
    def __init__(self):
        self.outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.seconds: dict[str, float] = defaultdict(float)
        self.started = time.monotonic()

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report):
        tier = tier_of(report.nodeid)
        self.seconds[tier] += report.duration
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed") \
                or (report.when == "teardown" and report.outcome == "failed"):
            outcome = "error" if report.when != "call" and report.outcome == "failed" else report.outcome
            self.outcomes[tier][outcome] += 1

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter):
        if not self.outcomes:
            return
        write = terminalreporter.write_line
        terminalreporter.section("tests per tier")
        for tier in (*TIERS, "other"):
            if tier in self.outcomes:
                counts = self.outcomes[tier]
                shown = ", ".join(f"{counts[k]} {k}" for k in ("passed", "failed", "error", "skipped") if counts[k])
                write(f"{tier:<12} {sum(counts.values()):>5} tests  ({shown})  {self.seconds[tier]:7.1f} s")
        write(f"{'all':<12} {sum(sum(c.values()) for c in self.outcomes.values()):>5} tests"
              f"  wall {time.monotonic() - self.started:.1f} s")


def pytest_configure(config):
    config.pluginmanager.register(TierTable(), "tier-table")
