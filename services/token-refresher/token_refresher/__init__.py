"""token-refresher: keeps connections alive and true.

In:  AccountConnected, AccountRevoked, ConnectionNeedsReauth (bus; TokenRefreshed is ours alone)
       → handlers.py → table schedule (one row per connection: state, next work, due time, lease)
     POST /v1/connections/<id>/check (internal HTTP; the gateway's "Check connection")
Work: loop.py leases due rows (SKIP LOCKED) → refresh.py reads credentials from
      connection-store (shared.clients.connection_store: a lease batch per POST /v1/credentials/lookup),
      refreshes or health-checks at the platform → record.py writes the outcome and its event in
      one transaction
Out: TokenRefreshed, ConnectionNeedsReauth, AccountRevoked(revoked_at_provider) (outbox → bus)
Tables (tables.py; every statement on the schedule in repository.py): schedule, outbox, processed_events;
     token_refresher_* metrics; its client for the gateway: shared.clients.token_refresher
"""
SERVICE = "token-refresher"
