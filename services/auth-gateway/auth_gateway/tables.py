import sqlalchemy as sa

from shared.db import UtcDateTime, outbox_table

metadata = sa.MetaData()

# One connect attempt: from "start" to connected / failed / expired.
attempts = sa.Table(
    "attempts", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False, index=True),
    sa.Column("network", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # oauth | app_password
    # pending → exchanging (callback claimed the state) → connected | choose_pages → connected; failed; expired
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("failure_code", sa.String(64)),
    sa.Column("failure_message", sa.String(500)),
    sa.Column("start_hash", sa.String(64)),  # sha256 of the one-time start token in the start URL
    sa.Column("state_hash", sa.String(64), unique=True),  # sha256 of the OAuth state; the state itself is not kept
    sa.Column("secrets", sa.Text),  # crypto ciphertext: PKCE verifier, pending page tokens…
    sa.Column("browser_hash", sa.String(64)),  # sha256 of the binding cookie set at start
    sa.Column("return_to", sa.String(2000)),
    sa.Column("instance", sa.String(255)),
    sa.Column("reconnect_connection_id", sa.String(64)),
    sa.Column("reservation_id", sa.String(36)),
    sa.Column("reservation_released_at", UtcDateTime),  # set once plan-limits confirmed the release
    sa.Column("connection_id", sa.String(64)),
    sa.Column("result", sa.JSON),  # connections made / pages offered: what the dashboard sees before the store
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
    sa.Column("started_at", UtcDateTime),
    sa.Column("completed_at", UtcDateTime),
    sa.Index("ix_attempts_user_completed", "user_id", "completed_at"),
)

# Mastodon: our app is registered once per instance and reused.
mastodon_apps = sa.Table(
    "mastodon_apps", metadata,
    sa.Column("instance", sa.String(255), primary_key=True),
    sa.Column("client_id", sa.String(255), nullable=False),
    sa.Column("client_secret", sa.Text, nullable=False),  # crypto ciphertext, AAD = instance
    sa.Column("scopes", sa.String(500), nullable=False),
    sa.Column("redirect_uri", sa.String(2000), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Fixed-window counters shared by every gateway worker (login brute-force guard).
rate_limits = sa.Table(
    "rate_limits", metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("window_start", UtcDateTime, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)

# Revocations at the platform that still have to happen (disconnect never waits on them).
pending_revocations = sa.Table(
    "pending_revocations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connection_id", sa.String(64), nullable=False),
    sa.Column("network", sa.String(32), nullable=False),
    sa.Column("credentials", sa.Text, nullable=False),  # crypto ciphertext, AAD = connection id
    sa.Column("instance", sa.String(255)),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False, index=True),
    sa.Column("last_error", sa.String(500)),
)

# Disconnects made here: the dashboard's list hides the connection at once (the
# store learns of it over the bus a moment later), and a repeated DELETE is a no-op.
disconnections = sa.Table(
    "disconnections", metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),  # of the AccountRevoked it emitted
    sa.Column("disconnected_at", UtcDateTime, nullable=False),
)

# Who granted each Meta connection. Meta's callbacks name only the person's
# app-scoped user id: the account itself on Instagram and Threads, but on Facebook
# the person who shared the Pages (each Page is its own connection).
meta_grants = sa.Table(
    "meta_grants", metadata,
    sa.Column("network", sa.String(32), primary_key=True),
    sa.Column("platform_user_id", sa.String(64), primary_key=True),
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("granted_at", UtcDateTime, nullable=False),
    sa.Index("ix_meta_grants_connection", "connection_id"),
)

# Meta data-deletion requests, for the status page their confirmation code opens.
meta_deletions = sa.Table(
    "meta_deletions", metadata,
    sa.Column("confirmation_code", sa.String(64), primary_key=True),
    sa.Column("network", sa.String(32), nullable=False),
    sa.Column("connections", sa.Integer, nullable=False),  # how many were disconnected and wiped
    sa.Column("requested_at", UtcDateTime, nullable=False),
)

# The signed_requests Meta sent in the last hour (their SHA-256): a replay within its window is refused.
meta_seen_requests = sa.Table(
    "meta_seen_requests", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("seen_at", UtcDateTime, nullable=False, index=True),
)

outbox = outbox_table(metadata)
