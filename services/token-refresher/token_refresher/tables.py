import sqlalchemy as sa

from shared.db import outbox_table

metadata = sa.MetaData()
outbox = outbox_table(metadata)
