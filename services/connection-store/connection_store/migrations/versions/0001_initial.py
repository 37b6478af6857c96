"""connections, audit, processed events

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False, index=True),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("provider_account_id", sa.String(200)),
        sa.Column("handle", sa.String(200), nullable=False, server_default=""),
        sa.Column("display_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(64)),
        sa.Column("status_message", sa.String(500)),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("credentials", sa.Text),
        sa.Column("token_expires_at", sa.DateTime(timezone=True)),
        sa.Column("connected_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("user_id", "network", "provider_account_id", name="uq_connections_account"),
    )
    op.create_table(
        "connection_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("connection_id", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("connection_audit")
    op.drop_table("connections")
