"""search index: the queue filter finds substrings through an index instead of scanning every case

SQLite: an FTS5 table with the trigram tokenizer over `cases.search` (external content: it stores
the trigrams and reads the text from `cases`), kept in step by triggers. PostgreSQL: a pg_trgm GIN
index on `cases.search`, which LIKE '%term%' uses by itself.

`search` holds no strictly secret case's title or party names (see the store's search text), so
neither does the index. These objects are not in the models: migrations/env.py leaves them out of
the schema comparison (SEARCH_INDEX_OBJECTS).

Revision ID: 0004
Revises: 0003
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE cases_fts USING fts5(search, content='cases', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO cases_fts(rowid, search) VALUES (new.id, new.search); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO cases_fts(cases_fts, rowid, search) VALUES ('delete', old.id, old.search); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF search ON cases BEGIN "
    "INSERT INTO cases_fts(cases_fts, rowid, search) VALUES ('delete', old.id, old.search); "
    "INSERT INTO cases_fts(rowid, search) VALUES (new.id, new.search); END",
    "INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')",  # the cases there already
]

POSTGRESQL = [
    # A trusted extension since PostgreSQL 13: the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_cases_search_trgm ON cases USING gin (search gin_trgm_ops)",
]


def upgrade() -> None:
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("varsel does not downgrade a database; restore a backup instead")
