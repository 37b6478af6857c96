"""A user's plan (set by billing) and the quota it gives them."""
from __future__ import annotations

from plan_limits import repository
from plan_limits.domain import Quota, UnknownPlan


def quota_of(user_id: str, *, sessions, clock, default_plan: str) -> Quota:
    """Read-only: a user nobody has mentioned is on the default plan with nothing used."""
    with sessions() as session:
        return repository.quota(session, user_id, repository.plan_of(session, user_id, default_plan), clock())


def set_plan(user_id: str, plan: str, *, sessions, clock, default_plan: str) -> Quota:
    """Nothing is disconnected on a downgrade: new connects wait until under the limit."""
    with sessions.begin() as session:
        known = repository.plan_names(session)
        if plan not in known:
            raise UnknownPlan(plan, known)
        repository.lock_user(session, user_id, default_plan)
        repository.set_plan(session, user_id, plan, clock())
        return repository.quota(session, user_id, repository.plan_of(session, user_id, default_plan), clock())
