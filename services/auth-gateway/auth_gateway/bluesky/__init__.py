"""Bluesky: connect with an app password (no OAuth), tested against the reference PDS.

In:  POST /v1/connections/bluesky (dashboard token, X-PostMate-User, X-PostMate-Client-Address)
Out: tables rate_limits, attempts (kind app_password), outbox → AccountConnected;
     plan-limits reservations; com.atproto.identity.resolveHandle, DID documents,
     com.atproto.server.createSession / deleteSession, app.bsky.actor.getProfile

`http` (route) → `connect` (the use case) → `rate_limit`, `identity` (where the
account lives), `login` (the atproto session), `xrpc` (Bluesky servers through
shared.providers.egress, the SSRF guard), `domain` (shapes, scopes), `errors`
(every refusal's status and sentence). It is a peer of the OAuth connect, not a
second service: the gateway's `bootstrap` builds what it needs (`Deps.bluesky`),
and it shares the gateway's public steps — `connect.connection_to_reconnect`,
`connect.reserve`, `http.authenticate`, `outcomes.connected` / `outcomes.refused`.
README.md in this folder is the contract.
"""
