"""The rules of plans and sockets, without I/O.

A socket is a connection that is `active` or `needs_reauth`; a revoked one frees
its place. A user's places are taken by sockets plus live reservations (connects
in progress). A new connect is approved while a place is free. A reconnect of
one of the user's sockets takes no new place, so it is always approved, even
over the limit (after a downgrade nothing is disconnected).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

COUNTED = ("active", "needs_reauth")
NEW, RECONNECT = "new", "reconnect"


@dataclass(frozen=True)
class Plan:
    name: str
    socket_limit: int | None  # None: unlimited
    upgrade_to: str | None

    @property
    def title(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True)
class Quota:
    user_id: str
    plan: Plan
    used: int  # sockets
    reserved: int  # live reservations that take a place

    @property
    def taken(self) -> int:
        return self.used + self.reserved

    @property
    def available(self) -> bool:
        """Could a new connect be reserved now?"""
        return self.plan.socket_limit is None or self.taken < self.plan.socket_limit

    def denial(self) -> str:
        """Why a new connect is refused, for the user."""
        limit, title = self.plan.socket_limit, self.plan.title
        if self.taken == limit:
            why = f"You're using {limit} of {limit} connected accounts on the {title} plan"
        else:
            why = f"You have {self.taken} connected accounts and the {title} plan allows {limit}"
        if self.reserved:
            why += f" (counting {self.reserved} being connected right now)"
        if self.plan.upgrade_to:
            return f"{why}. Upgrade to {self.plan.upgrade_to.capitalize()} to connect more, " \
                   "or disconnect an account you no longer use."
        return f"{why}. Disconnect an account you no longer use to connect another."


@dataclass(frozen=True)
class Reservation:
    id: str
    user_id: str
    network: str
    kind: str  # NEW | RECONNECT
    connection_id: str | None  # the socket a reconnect brings back
    expires_at: datetime


class OverPlanLimit(Exception):
    """No place left on the user's plan (the gateway's client reads the 403 as PlanLimitReached)."""

    def __init__(self, quota: Quota):
        super().__init__(quota.denial())
        self.quota = quota


class UnknownPlan(Exception):
    def __init__(self, name: str, known: list[str]):
        super().__init__(f"There is no plan called {name!r}; choose one of: {', '.join(known)}.")
        self.known = known
