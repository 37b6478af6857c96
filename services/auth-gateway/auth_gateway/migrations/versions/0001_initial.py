"""attempts, mastodon apps, rate limits, pending revocations, outbox

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False, index=True),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_code", sa.String(64)),
        sa.Column("failure_message", sa.String(500)),
        sa.Column("start_hash", sa.String(64)),
        sa.Column("state_hash", sa.String(64), unique=True),
        sa.Column("secrets", sa.Text),
        sa.Column("browser_hash", sa.String(64)),
        sa.Column("return_to", sa.String(2000)),
        sa.Column("instance", sa.String(255)),
        sa.Column("reconnect_connection_id", sa.String(64)),
        sa.Column("reservation_id", sa.String(36)),
        sa.Column("reservation_released_at", TS),
        sa.Column("connection_id", sa.String(64)),
        sa.Column("result", sa.JSON),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False, index=True),
        sa.Column("started_at", TS),
        sa.Column("completed_at", TS),
    )
    op.create_index("ix_attempts_user_completed", "attempts", ["user_id", "completed_at"])
    op.create_table(
        "mastodon_apps",
        sa.Column("instance", sa.String(255), primary_key=True),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret", sa.Text, nullable=False),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "pending_revocations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("connection_id", sa.String(64), nullable=False),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("credentials", sa.Text, nullable=False),
        sa.Column("instance", sa.String(255)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False, index=True),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("routing_key", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("outbox", "pending_revocations", "rate_limits", "mastodon_apps", "attempts"):
        op.drop_table(table)
