"""Typed HTTP clients of the Connections services.

A service may not import another service's package, so the client each service
offers lives here: one module per service (`connection_store`, `plan_limits`,
`token_refresher`), one error type each for "it could not answer", and every id
URL-quoted into its path (`internal.path`), so an id can never name another
resource. All of them talk over `internal.InternalHttp` (urllib3, pooled, the
internal token, no proxy, no retries, no redirects).
"""
