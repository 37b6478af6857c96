"""provider-sandbox: a local stand-in for every network's OAuth endpoints (and Bluesky's XRPC), quirks included.

In:  browsers and OAuth clients at `{base}/<network>/<real path>` (routes.py, networks.py),
     Bluesky clients at `{base}/bluesky/xrpc/…` (bluesky.py), tests at `{base}/_sandbox/…` (admin.py).
Out: consent pages and redirects with codes (consent.py), tokens (token_endpoint.py, issuing.py),
     identity answers (identity.py, profiles.py), errors in each network's shape (errors.py),
     Meta signed_request callbacks POSTed to the app under test (meta_signed_request.py).
State: in memory on the app object (state.py); one process.
"""
