"""plans (seeded), users, sockets, reservations, processed events

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("socket_limit", sa.Integer),
        sa.Column("upgrade_to", sa.String(32), sa.ForeignKey("plans.name")),
    )
    # Pro first: Creator's upgrade path points at it.
    op.bulk_insert(plans, [{"name": "pro", "socket_limit": None, "upgrade_to": None},
                           {"name": "creator", "socket_limit": 15, "upgrade_to": "pro"}])
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("plan", sa.String(32), sa.ForeignKey("plans.name")),
        sa.Column("plan_set_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "sockets",
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False, index=True),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False, index=True),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("connection_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("processed_events", "reservations", "sockets", "users", "plans"):
        op.drop_table(table)
