import sqlalchemy as sa

from shared.db import UtcDateTime, processed_events_table

metadata = sa.MetaData()

# Seeded by the migration; a plan is a row, so a limit changes without a code change.
plans = sa.Table(
    "plans", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("socket_limit", sa.Integer),  # null: unlimited
    sa.Column("upgrade_to", sa.String(32), sa.ForeignKey("plans.name")),
)

# A user billing has spoken about, or who has asked for a reservation (the row
# decisions lock). A null plan means "the default plan" (POSTMATE_DEFAULT_PLAN).
users = sa.Table(
    "users", metadata,
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("plan", sa.String(32), sa.ForeignKey("plans.name")),
    sa.Column("plan_set_at", UtcDateTime),
)

# Every connection plan-limits has heard of; active and needs_reauth ones count.
# A revoked row stays, with its version, so an older event can't bring it back.
sockets = sa.Table(
    "sockets", metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False, index=True),
    sa.Column("network", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | needs_reauth | revoked
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# A place held for a connect in progress. `connection_id` is set on a reconnect:
# such a reservation takes no place while that connection is still a socket.
reservations = sa.Table(
    "reservations", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(200), nullable=False, index=True),
    sa.Column("network", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # new | reconnect
    sa.Column("connection_id", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)

processed_events = processed_events_table(metadata)
