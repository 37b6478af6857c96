"""What ops sees on /metrics: decisions by plan and outcome, reservations live
and expired, sockets by plan. Labels are plan names and outcomes only."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from plan_limits.decisions import sweep_expired
from tests.fixtures.driver import account_revoked


def scrape(plan_limits) -> dict[tuple[str, tuple], float]:
    text = plan_limits.http.get("/metrics").get_data(as_text=True)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) if family.name.startswith("plan_limits")
            for sample in family.samples}


def decisions(figures, plan: str, outcome: str) -> float:
    return figures.get(("plan_limits_decisions_total", (("outcome", outcome), ("plan", plan))), 0.0)


def test_decisions_are_counted_by_plan_and_outcome(plan_limits):
    held = plan_limits.holding("ana", 14)
    before = scrape(plan_limits)

    plan_limits.reserve("ana")
    plan_limits.reserve("ana")
    plan_limits.reserve("ana", reconnect=held[0])
    plan_limits.set_plan("ben", "pro")
    plan_limits.reserve("ben")

    after = scrape(plan_limits)
    assert {(plan, outcome): decisions(after, plan, outcome) - decisions(before, plan, outcome)
            for plan in ("creator", "pro") for outcome in ("approved", "denied", "reconnect")} == {
        ("creator", "approved"): 1, ("creator", "denied"): 1, ("creator", "reconnect"): 1,
        ("pro", "approved"): 1, ("pro", "denied"): 0, ("pro", "reconnect"): 0}


def test_live_reservations_and_sockets_by_plan_are_read_at_scrape_time(plan_limits):
    held = plan_limits.holding("ana", 3)
    plan_limits.set_plan("ben", "pro")
    plan_limits.holding("ben", 2)
    plan_limits.reserve("ana")
    plan_limits.apply(account_revoked("ana", held[0]))

    figures = scrape(plan_limits)

    assert figures[("plan_limits_reservations_live", ())] == 1
    assert figures[("plan_limits_sockets", (("plan", "creator"),))] == 2
    assert figures[("plan_limits_sockets", (("plan", "pro"),))] == 2


def test_reservations_that_run_out_are_counted_as_expired(make_plan_limits, clock):
    plan_limits = make_plan_limits(POSTMATE_RESERVATION_TTL_S="1")
    plan_limits.reserve("ana")  # left to run out: the sweep removes it
    released_late = plan_limits.reserve("ana").json["reservation_id"]
    released_in_time = plan_limits.reserve("ana").json["reservation_id"]
    plan_limits.release(released_in_time)
    before = scrape(plan_limits)[("plan_limits_reservations_expired_total", ())]

    clock.advance(1)
    plan_limits.release(released_late)
    plan_limits.deps.call(sweep_expired, clock=clock)

    figures = scrape(plan_limits)
    assert figures[("plan_limits_reservations_expired_total", ())] - before == 2
    assert figures[("plan_limits_reservations_live", ())] == 0
