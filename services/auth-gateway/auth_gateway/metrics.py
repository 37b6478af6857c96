"""The gateway's own figures (labels bounded: network, outcome/reason)."""
from prometheus_client import Counter, Gauge, Histogram

CONNECTS_STARTED = Counter("auth_gateway_connects_started_total", "Connect attempts created", ["network"])
CONNECTS_FINISHED = Counter("auth_gateway_connects_finished_total",
                            "Connect attempts ended, by outcome (connected or the failure code)",
                            ["network", "outcome"])
PLAN_DENIALS = Counter("auth_gateway_plan_denials_total", "Connects refused at the plan limit", ["network"])
CALLBACK_SECONDS = Histogram("auth_gateway_callback_seconds", "OAuth callback handling time (exchange included)",
                             ["network"], buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
DISCONNECTS = Counter("auth_gateway_disconnects_total", "Accounts the user disconnected", ["network"])
PLATFORM_REVOCATIONS = Counter("auth_gateway_platform_revocations_total",
                               "Revocations at the platform after a disconnect, by outcome "
                               "(revoked, retry, gave_up, refused)", ["network", "outcome"])
PLATFORM_REVOCATIONS_PENDING = Gauge("auth_gateway_platform_revocations_pending",
                                     "Revocations at the platform still to do (retrying while it is down)",
                                     ["network"], multiprocess_mode="livemostrecent")
META_CALLBACKS = Counter("auth_gateway_meta_callbacks_total",
                         "Meta deauthorize / data-deletion callbacks, accepted or refused", ["network", "kind", "outcome"])
