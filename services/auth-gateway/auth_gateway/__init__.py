"""auth-gateway: connects accounts (OAuth for nine networks, Bluesky app passwords) and disconnects them.

In:  dashboard internal HTTP (dashboard token + X-PostMate-User; http.py `dashboard`):
       GET    /v1/networks                            networks, scopes with reasons, availability (queries)
       POST   /v1/connections/<network>/attempts      reserve a socket, hand back a start URL (connect)
       GET    /v1/attempts/<id>                       one attempt, read-only (queries)
       POST   /v1/attempts/<id>/pages                 the Facebook Pages the person picked (pages)
       GET    /v1/connections                         the store's list + read-your-writes (queries)
       DELETE /v1/connections/<id>                    AccountRevoked now, the platform told later (disconnect)
       POST   /v1/connections/<id>/check              "Check connection", through the refresher (checks)
       POST   /v1/connections/bluesky                 an app-password connect (bluesky/)
     browser (http.py `browser`): GET /start/<attempt id>, GET /oauth/<network>/callback (connect, callback)
     Meta (http.py `meta`, signed): POST /meta/<network>/<deauthorize|data-deletion>,
       GET /meta/deletions/<code> (meta_callbacks)
     worker: the relay, the attempt sweep (sweep), the platform revoker (revocations)
Out: bus (outbox → relay): AccountConnected, AccountRevoked (user_disconnected, Meta's callbacks);
     plan-limits reservations, connection-store reads, refresher checks (shared.clients);
     the platforms' OAuth, identity and revoke endpoints (adapters/oauth.py; user-named hosts
     through shared.providers.egress)
Tables (tables.py; every statement in repository.py): attempts, mastodon_apps, rate_limits,
     pending_revocations, disconnections, meta_grants, meta_deletions, meta_seen_requests, outbox.
README.md in the service folder has the flows, the refusals and the scope decisions.
"""
SERVICE = "auth-gateway"
