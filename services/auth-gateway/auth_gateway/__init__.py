"""auth-gateway: OAuth redirects and Bluesky logins; emits AccountConnected / AccountRevoked.

In:  dashboard internal HTTP (service token + X-PostMate-User), browser OAuth start/callback
Out: tables attempts, mastodon_apps, rate_limits, pending_revocations, outbox → bus
"""
SERVICE = "auth-gateway"
