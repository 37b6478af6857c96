"""disconnections, Meta grants and data-deletion requests

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "disconnections",
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("disconnected_at", TS, nullable=False),
    )
    op.create_table(
        "meta_grants",
        sa.Column("network", sa.String(32), primary_key=True),
        sa.Column("platform_user_id", sa.String(64), primary_key=True),
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
    )
    op.create_index("ix_meta_grants_connection", "meta_grants", ["connection_id"])
    op.create_table(
        "meta_deletions",
        sa.Column("confirmation_code", sa.String(64), primary_key=True),
        sa.Column("network", sa.String(32), nullable=False),
        sa.Column("connections", sa.Integer, nullable=False),
        sa.Column("requested_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("meta_deletions", "meta_grants", "disconnections"):
        op.drop_table(table)
