"""panel: the Connections page a user sees, and a thin proxy to the gateway.

In:  browser GET /            the page (Jinja template + static/panel.js + static/panel.css)
     browser GET /returned    where the platform's tab lands after the gateway's callback
     browser /api/…           an allow-list of the gateway's dashboard API (api.py)
     browser POST /api/network-requests   "tell us which network you miss"
Out: gateway /v1/…            with the dashboard's service token and X-PostMate-User
     <data_dir>/panel.db      network requests; metric panel_network_requests_total{network}

The browser never sees the service token. The Post Mate user comes from
`?user=…` (kept in a cookie; default `demo-user`): the real dashboard puts its
signed-in session's user there instead.
"""
SERVICE = "panel"
