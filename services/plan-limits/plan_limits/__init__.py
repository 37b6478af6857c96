"""plan-limits: plans, sockets, reservations.

In:  PUT /v1/users/<user>/plan (billing) → quotas.set_plan
     GET /v1/users/<user>/quota (gateway, dashboard) → quotas.quota_of
     POST /v1/reservations, DELETE /v1/reservations/<id> (gateway) → decisions.reserve / release
     AccountConnected, AccountRevoked, ConnectionNeedsReauth (bus) → handlers.EVENT_HANDLERS
     the worker's sweep → decisions.sweep_expired
Out: tables plans, users, sockets, reservations, processed_events; no events
"""
SERVICE = "plan-limits"
