"""plan-limits: plans, sockets, reservations.

In:  PUT /v1/users/<user>/plan (billing) → plans.set_plan
     GET /v1/users/<user>/quota (gateway, dashboard) → plans.quota_of
     POST /v1/reservations, DELETE /v1/reservations/<id> (gateway) → reservations.reserve / release
     AccountConnected, AccountRevoked, ConnectionNeedsReauth (bus) → handlers.EVENT_HANDLERS
     the worker's sweep → reservations.sweep_expired
Out: tables plans, users, sockets, reservations, processed_events; no events
"""
SERVICE = "plan-limits"
