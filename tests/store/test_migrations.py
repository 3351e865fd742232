"""The Alembic migrations build exactly the schema the models describe, so a database created by
migrations (every real one) matches what the code expects; a model change without a migration
fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from varsel_tui.store import models  # noqa: F401
from varsel_tui.store.db import HEAD_REVISION
from varsel_tui.store.service import Store


def test_migrated_schema_matches_the_models(db_url):
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == HEAD_REVISION
        diff = compare_metadata(ctx, SQLModel.metadata)
    store.close()
    assert diff == []


def test_opening_an_existing_database_keeps_its_data(db_url):

    first = Store.open(db_url)
    first.add_body("OU", "Organisatorisk utvalg")
    first.close()
    again = Store.open(db_url)
    assert [b.name for b, _ in again.bodies()] == ["OU"]
    again.close()
