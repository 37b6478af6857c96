"""Reserving a place for a connect: exact at the limit, even under concurrency;
reconnects are free; an abandoned reservation expires; a downgrade disconnects
nothing and refuses new connects until the user is under the limit."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from plan_limits import decisions
from plan_limits.worker import sweeper
from tests.fixtures.driver import account_connected, account_revoked, needs_reauth
from tests.support import running, wait_for


def _rows(plan_limits, table: str) -> int:
    with plan_limits.deps.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


class TestConcurrentRequests:
    def test_fifty_at_once_for_a_creator_with_14_sockets_approve_exactly_one(self, plan_limits):
        plan_limits.set_plan("ana", "creator")  # a user plan-limits already knows: no insert to queue behind
        plan_limits.holding("ana", 14)

        answers = plan_limits.reserve_concurrently("ana", 50)

        assert sorted(a.status_code for a in answers) == [201] + [403] * 49
        assert {a.json()["error"] for a in answers if a.status_code == 403} == {"plan_limit"}
        assert plan_limits.quota("ana") == {
            "user_id": "ana", "plan": "creator", "used": 14, "reserved": 1, "limit": 15, "available": False,
            "upgrade": {"plan": "pro"}}

    def test_fifty_at_once_for_a_user_never_seen_before_approve_exactly_fifteen(self, plan_limits):
        answers = plan_limits.reserve_concurrently("cleo", 50)

        assert sorted(a.status_code for a in answers) == [201] * 15 + [403] * 35
        assert plan_limits.quota("cleo")["reserved"] == 15

    def test_fifty_at_once_for_a_pro_with_14_sockets_are_all_approved(self, plan_limits):
        plan_limits.set_plan("ben", "pro")
        plan_limits.holding("ben", 14)

        answers = plan_limits.reserve_concurrently("ben", 50)

        assert [a.status_code for a in answers] == [201] * 50
        assert len({a.json()["reservation_id"] for a in answers}) == 50
        assert plan_limits.quota("ben")["reserved"] == 50


class TestAtTheLimit:
    def test_a_new_account_at_15_of_15_is_refused_with_the_figures_and_a_way_to_upgrade(self, plan_limits):
        plan_limits.holding("ana", 15)

        refused = plan_limits.reserve("ana", "tiktok")

        assert refused.status_code == 403
        assert refused.json == {
            "error": "plan_limit", "plan": "creator", "used": 15, "reserved": 0, "limit": 15,
            "upgrade": {"plan": "pro"},
            "message": "You're using 15 of 15 connected accounts on the Creator plan. "
                       "Upgrade to Pro to connect more, or disconnect an account you no longer use."}

    def test_a_connect_in_progress_holds_the_last_place(self, plan_limits):
        plan_limits.holding("ana", 14)
        assert plan_limits.reserve("ana").status_code == 201

        refused = plan_limits.reserve("ana")

        assert refused.status_code == 403
        assert (refused.json["used"], refused.json["reserved"]) == (14, 1)
        assert "counting 1 being connected right now" in refused.json["message"]

    def test_a_reconnect_at_15_of_15_is_approved_and_takes_no_place(self, plan_limits):
        held = plan_limits.holding("ana", 15)

        approved = plan_limits.reserve("ana", reconnect=held[0])

        assert approved.status_code == 201 and approved.json["kind"] == "reconnect"
        assert plan_limits.quota("ana")["reserved"] == 0
        plan_limits.apply(account_connected("ana", held[0], reservation_id=approved.json["reservation_id"]))
        assert (plan_limits.quota("ana")["used"], plan_limits.quota("ana")["reserved"]) == (15, 0)

    def test_an_account_that_needs_reauth_can_be_reconnected_at_15_of_15(self, plan_limits):
        held = plan_limits.holding("ana", 15)
        plan_limits.apply(needs_reauth("ana", held[3]))

        assert plan_limits.reserve("ana", reconnect=held[3]).json["kind"] == "reconnect"
        assert plan_limits.reserve("ana").json["error"] == "plan_limit"

    def test_reconnecting_what_is_not_one_of_the_users_sockets_is_a_new_connect(self, plan_limits):
        held = plan_limits.holding("ana", 15)
        plan_limits.apply(account_revoked("ana", held[0]))
        [someone_elses] = plan_limits.holding("ben", 1)
        plan_limits.holding("ana", 1)  # back at 15 of 15

        for connection_id in (held[0], someone_elses, "never-heard-of"):
            assert plan_limits.reserve("ana", reconnect=connection_id).json["error"] == "plan_limit"

    def test_a_reconnect_whose_connection_is_revoked_meanwhile_takes_a_place_again(self, plan_limits):
        held = plan_limits.holding("ana", 14)
        assert plan_limits.reserve("ana", reconnect=held[0]).json["kind"] == "reconnect"
        assert plan_limits.reserve("ana").status_code == 201  # 15 of 15

        plan_limits.apply(account_revoked("ana", held[0]))

        # Finishing the reconnect would bring the revoked account back: its place stays held.
        assert (plan_limits.quota("ana")["used"], plan_limits.quota("ana")["reserved"]) == (13, 2)


class TestReservationLifetime:
    def test_a_reservation_becomes_a_socket_when_its_account_connects(self, plan_limits):
        reservation = plan_limits.reserve("ana").json

        plan_limits.apply(account_connected("ana", reservation_id=reservation["reservation_id"]))

        assert (plan_limits.quota("ana")["used"], plan_limits.quota("ana")["reserved"]) == (1, 0)

    def test_a_reservation_whose_attempt_never_returns_expires_and_frees_its_place(self, make_plan_limits, clock):
        plan_limits = make_plan_limits(POSTMATE_RESERVATION_TTL_S="1")
        plan_limits.holding("ana", 14)
        abandoned = plan_limits.reserve("ana").json
        assert abandoned["expires_at"] == (clock() + timedelta(seconds=1)).isoformat()
        assert plan_limits.reserve("ana").status_code == 403

        clock.advance(1)

        assert plan_limits.quota("ana")["reserved"] == 0 and plan_limits.quota("ana")["available"]
        assert plan_limits.reserve("ana").status_code == 201

    def test_the_sweep_removes_only_expired_reservations(self, make_plan_limits, clock):
        plan_limits = make_plan_limits(POSTMATE_RESERVATION_TTL_S="60")
        plan_limits.reserve("ana")
        clock.advance(30)
        plan_limits.reserve("ana")
        clock.advance(30)

        assert decisions.sweep_expired(sessions=plan_limits.deps.sessions, clock=clock) == 1
        assert decisions.sweep_expired(sessions=plan_limits.deps.sessions, clock=clock) == 0
        assert plan_limits.quota("ana")["reserved"] == 1

    def test_the_worker_sweeps_on_its_own(self, make_plan_limits, clock):
        plan_limits = make_plan_limits(POSTMATE_RESERVATION_TTL_S="1")
        plan_limits.reserve("ana")
        clock.advance(1)

        with running(sweeper(plan_limits.deps, every_s=0.01)):
            wait_for(lambda: _rows(plan_limits, "reservations") == 0, what="the sweep to delete the expired row")

    def test_releasing_frees_the_place_and_releasing_again_is_harmless(self, plan_limits):
        plan_limits.holding("ana", 14)
        reservation_id = plan_limits.reserve("ana").json["reservation_id"]

        assert [plan_limits.release(reservation_id).status_code for _ in range(2)] == [204, 204]
        assert plan_limits.release("no-such-reservation").status_code == 204
        assert plan_limits.reserve("ana").status_code == 201


class TestPlans:
    def test_a_user_billing_never_mentioned_is_on_the_default_plan(self, make_plan_limits):
        assert make_plan_limits().quota("new-user") == {
            "user_id": "new-user", "plan": "creator", "used": 0, "reserved": 0, "limit": 15, "available": True,
            "upgrade": {"plan": "pro"}}
        assert make_plan_limits(POSTMATE_DEFAULT_PLAN="pro").quota("new-user")["limit"] is None

    def test_a_downgrade_with_20_sockets_keeps_them_all_and_refuses_the_21st(self, plan_limits):
        plan_limits.set_plan("ana", "pro")
        held = plan_limits.holding("ana", 20)

        downgraded = plan_limits.set_plan("ana", "creator")

        assert downgraded.status_code == 200
        assert (downgraded.json["used"], downgraded.json["limit"], downgraded.json["available"]) == (20, 15, False)
        refused = plan_limits.reserve("ana")
        assert refused.status_code == 403 and refused.json["used"] == 20
        assert refused.json["message"].startswith("You have 20 connected accounts and the Creator plan allows 15.")
        assert plan_limits.reserve("ana", reconnect=held[0]).status_code == 201
        plan_limits.apply(*(account_revoked("ana", c) for c in held[-5:]))
        assert plan_limits.reserve("ana").status_code == 403  # 15 of 15
        plan_limits.apply(account_revoked("ana", held[-6]))
        assert plan_limits.reserve("ana").status_code == 201  # 14 of 15: the place is free

    def test_upgrading_again_approves_at_once(self, plan_limits):
        plan_limits.set_plan("ana", "pro")
        plan_limits.holding("ana", 20)
        plan_limits.set_plan("ana", "creator")
        assert plan_limits.reserve("ana").status_code == 403

        upgraded = plan_limits.set_plan("ana", "pro")

        assert upgraded.json == {"user_id": "ana", "plan": "pro", "used": 20, "reserved": 0, "limit": None,
                                 "available": True, "upgrade": None}
        assert plan_limits.reserve("ana").status_code == 201

    def test_a_default_plan_that_is_not_a_plan_makes_the_service_not_ready(self, make_plan_limits):
        ready = make_plan_limits(POSTMATE_DEFAULT_PLAN="Creator").http.get("/readyz")

        assert ready.status_code == 503
        assert ready.json["checks"]["database"] == "unavailable: DefaultPlanMissing"
