import sqlalchemy as sa

from shared.db import UtcDateTime, processed_events_table

metadata = sa.MetaData()

connections = sa.Table(
    "connections", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False, index=True),
    sa.Column("network", sa.String(32), nullable=False),
    # Null only on a tombstone: a revocation that arrived before its connection.
    sa.Column("provider_account_id", sa.String(200)),
    sa.Column("handle", sa.String(200), nullable=False, server_default=""),
    sa.Column("display_name", sa.String(300), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),  # active | needs_reauth | revoked
    sa.Column("status_reason", sa.String(64)),
    sa.Column("status_message", sa.String(500)),
    sa.Column("scopes", sa.JSON, nullable=False, default=list),
    sa.Column("credentials", sa.Text),  # shared.crypto ciphertext; wiped on revocation
    sa.Column("token_expires_at", UtcDateTime),
    sa.Column("connected_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("user_id", "network", "provider_account_id", name="uq_connections_account"),
)

audit = sa.Table(
    "connection_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("connection_id", sa.String(64), nullable=False, index=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False, server_default=""),
    sa.Column("at", UtcDateTime, nullable=False),
)

processed_events = processed_events_table(metadata)
