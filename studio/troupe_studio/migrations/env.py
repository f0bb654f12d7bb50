"""Alembic's environment: runs on the engine the service hands over (no alembic.ini).

On SQLite, foreign keys are off while migrating: a batch migration rebuilds a table (copy,
drop, rename), and dropping a table that others reference would fail with them on.
"""

from alembic import context
from sqlalchemy import text

from troupe_studio.db import Base

engine = context.config.attributes["engine"]
sqlite = engine.dialect.name == "sqlite"
with engine.connect() as connection:
    if sqlite:
        connection.execute(text("PRAGMA foreign_keys=OFF"))
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        connection.execute(text("PRAGMA foreign_keys=ON"))
