"""connection-store: the only place credentials rest.

In:  AccountConnected, AccountRevoked, TokenRefreshed, ConnectionNeedsReauth (bus)
     GET /v1/connections?user_id=…, GET /v1/connections/<id>,
     GET /v1/connections/<id>/credentials (plaintext, for the refresher) (internal HTTP)
Out: tables connections, connection_audit, processed_events
"""
SERVICE = "connection-store"
