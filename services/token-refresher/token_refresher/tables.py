"""The refresher's own tables: the schedule (one row per connection it looks after),
its outbox and its consumer's tracking records. Credentials are never stored here:
they are read from connection-store at the moment of a refresh."""
import sqlalchemy as sa

from shared.db import UtcDateTime, outbox_table, processed_events_table

metadata = sa.MetaData()

schedule = sa.Table(
    "schedule", metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("network", sa.String(32), nullable=False),
    # active: work is planned · needs_reauth: nothing to do until the user reconnects · revoked: gone
    sa.Column("state", sa.String(16), nullable=False),
    # What we last told the store (active | needs_reauth | revoked): one event per transition.
    sa.Column("reported", sa.String(16), nullable=False, server_default="active"),
    sa.Column("reason", sa.String(64)),  # why, when not active
    sa.Column("kind", sa.String(16), nullable=False),  # refresh | health_check | keepalive | reauth_warning
    sa.Column("token_expires_at", UtcDateTime),
    sa.Column("issued_at", UtcDateTime, nullable=False),  # when the current token was obtained
    sa.Column("planned_at", UtcDateTime, nullable=False),  # when the next work was planned for (lag)
    sa.Column("due_at", UtcDateTime, nullable=False),  # when it may run: the plan, a back-off, or lease end
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", UtcDateTime),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_failure_at", UtcDateTime),
    sa.Column("last_attempt_at", UtcDateTime),
    sa.Column("last_success_at", UtcDateTime),
    sa.Column("last_outcome", sa.String(32)),
    sa.Column("last_error", sa.String(300)),  # scrubbed
    sa.Column("store_version", sa.BigInteger, nullable=False),  # newest connection version we know of
    # After we emit TokenRefreshed(version V) the store must reach V before we read credentials again.
    sa.Column("awaiting_version", sa.BigInteger),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # The due-work query: state = 'active' AND due_at <= now ORDER BY due_at — an index range scan.
    sa.Index("ix_schedule_state_due", "state", "due_at"),
    # Gauges: tokens expiring within 24 h / 7 d.
    sa.Index("ix_schedule_state_expiry", "state", "token_expires_at"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
