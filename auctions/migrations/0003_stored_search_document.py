"""On PostgreSQL, the search document becomes a stored column.

0002 indexed the expression, which finds matches fast, but ranking them needs
the document of every matching row, and computing it from a long description
again for each of thousands of rows took ~0.4 s for one common word in 100,000
auctions. A generated column is computed once per write and ranked in
microseconds; `auctions.search` reads it. It is not a model field because
SQLite has no tsvector type; there this migration does nothing.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'B')"
)


def _expression_index() -> GinIndex:
    return GinIndex(
        SearchVector("title", weight="A", config="simple")
        + SearchVector("description", weight="B", config="simple"),
        name="auction_search_vector_gin",
    )


def add_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS auction_search_vector_gin")
    schema_editor.execute(
        "ALTER TABLE auctions_auction ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX auction_search_document_gin ON auctions_auction "
        "USING gin (search_document)"
    )


def remove_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS auction_search_document_gin")
    schema_editor.execute("ALTER TABLE auctions_auction DROP COLUMN search_document")
    schema_editor.add_index(apps.get_model("auctions", "Auction"), _expression_index())


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0002_media_links_and_search_index"),
    ]

    operations = [
        migrations.RunPython(add_document, remove_document, elidable=False),
    ]
