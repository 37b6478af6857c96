"""token_refresher_* metrics (multiprocess-safe through shared.metrics' set-up).
Labels stay bounded: network, outcome, reason, state, window — never ids or tokens."""
from prometheus_client import Counter, Gauge, Histogram

REFRESHES = Counter("token_refresher_refreshes_total",
                    "Refresh and health-check runs, by network and outcome "
                    "(refreshed, healthy, rate_limited, platform_unavailable, timeout, …, revoked, needs_reauth)",
                    ["network", "outcome"])
LAG = Histogram("token_refresher_refresh_lag_seconds", "How late a run started versus its planned time",
                ["network"], buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400))
EXPIRING = Gauge("token_refresher_tokens_expiring", "Active connections whose token expires within the window",
                 ["network", "window"], multiprocess_mode="livemostrecent")
CONNECTIONS = Gauge("token_refresher_connections", "Connections the refresher looks after, by state",
                    ["state"], multiprocess_mode="livemostrecent")
REVOCATIONS = Counter("token_refresher_revocations_total",
                      "Connections that ended: revoked (revoked_at_provider, user_disconnected, …) or needing "
                      "the user (refresh_token_expired, token_expiring, refresh_failing, …), by reason",
                      ["network", "reason"])
RECOVERIES = Counter("token_refresher_recoveries_total",
                     "Connections reported as needing the user that worked again", ["network"])
