"""Video links on auctions, and on PostgreSQL the full-text index for the search
on `/`.

The index is a GIN index on the same expression `auctions.search` matches
against (title weighted A, description B, the 'simple' configuration); the
planner uses it only if the two stay identical, which a PostgreSQL test checks.
SQLite has no GIN indexes and searches with LIKE, so there it does nothing.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

INDEX_NAME = "auction_search_vector_gin"


def _index() -> GinIndex:
    return GinIndex(
        SearchVector("title", weight="A", config="simple")
        + SearchVector("description", weight="B", config="simple"),
        name=INDEX_NAME,
    )


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("auctions", "Auction"), _index())


def remove_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("auctions", "Auction"), _index())


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auction",
            name="media_links",
            field=models.JSONField(
                blank=True, default=list, verbose_name="video links"
            ),
        ),
        migrations.RunPython(add_search_index, remove_search_index, elidable=False),
    ]
