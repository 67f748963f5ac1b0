"""Alembic environment: runs migrations on the URL the caller configured."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from storage import contracts, devices, messages, passkeys  # noqa: F401 - their tables join Base.metadata
from storage.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None
engine = create_engine(url, poolclass=NullPool)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
