"""auth-gateway: OAuth connects for nine networks (and Bluesky app passwords); emits AccountConnected.

In:  dashboard internal HTTP (service token + X-PostMate-User): /v1/networks, /v1/connections/<network>/attempts,
     /v1/attempts/<id>, /v1/attempts/<id>/pages, /v1/connections
     browser: /start/<attempt id>, /oauth/<network>/callback
Out: tables attempts, mastodon_apps, rate_limits, pending_revocations, outbox → bus (AccountConnected);
     plan-limits reservations; connection-store reads; the platforms' OAuth endpoints
README.md in the service folder has the routes, the handlers behind them and the scope decisions.
"""
SERVICE = "auth-gateway"
