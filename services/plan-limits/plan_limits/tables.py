import sqlalchemy as sa

from shared.db import processed_events_table

metadata = sa.MetaData()
processed_events = processed_events_table(metadata)
