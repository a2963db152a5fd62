"""product search: a GIN full-text index on sku and name (PostgreSQL only)

Revision ID: c4a1e7d2b9f3
Revises: 5d5399562cb5
Create Date: 2026-11-30 10:00:00

SQLite searches with LIKE and needs no index. The expression must stay exactly the one
`wholesale.catalog.search.search_document()` builds, or the planner will not use the index.
"""
from alembic import op


revision = 'c4a1e7d2b9f3'
down_revision = '5d5399562cb5'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_products_search ON products "
            "USING gin (to_tsvector('simple'::regconfig, "
            "regexp_replace(sku || ' ' || name, '[^[:alnum:]]+', ' ', 'g')))"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_search")
