"""connection-store: the only place credentials rest.

In:  events AccountConnected, AccountRevoked, TokenRefreshed, ConnectionNeedsReauth
     (bus, handlers.py: newest version wins);
     internal HTTP (http.py, every route behind the internal token):
       GET  /v1/connections?user_id=…[&include_revoked=1]   a user's connections (no credentials)
       GET  /v1/connections/<id>                             one connection (no credentials)
       GET  /v1/connections/<id>/credentials                 plaintext credentials (refresher, revoker)
       POST /v1/credentials/lookup                           several at once (the refresher's batches)
Out: nothing on the bus; the view of a connection is shared.connections.
Tables (tables.py; SQL in repository.py): connections (credentials AES-GCM encrypted
with the connection id as associated data), connection_audit, processed_events.
Its typed client for other services: shared.clients.connection_store.
"""
SERVICE = "connection-store"
