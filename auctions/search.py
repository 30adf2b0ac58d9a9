"""The database side of the search on `/`: matching words in titles and
descriptions, and the price of the moment as a column to filter and sort on.

PostgreSQL matches with full-text search and ranks title matches above
description matches, through the stored, GIN-indexed document of migration 0003. SQLite (a bare
machine, the tests) falls back to LIKE, with title matches first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    Expression,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.db.models.functions import Greatest

from auctions.models import Auction

# 'simple': lowercased words, no stemming. The site is in three languages and a
# lot's language is not recorded, so one language's stemmer would serve only
# some of them; prefix matching ("tele" finds "telescope") covers much of what
# stemming would.
SEARCH_CONFIG = "simple"
MAX_SEARCH_WORDS = 8
MAX_WORD_LENGTH = 40
# Letters and digits only: nothing that means something in a tsquery.
_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    words = _WORD.findall((text or "").lower())
    return [word[:MAX_WORD_LENGTH] for word in words[:MAX_SEARCH_WORDS]]


class SearchDocument(Expression):
    """PostgreSQL's stored `search_document` column (migration 0003: title
    weighted A, description B, the 'simple' configuration), GIN-indexed. Not a
    model field, since SQLite has no such type; it resolves to a column of the
    query's table, so it follows the table's alias in a subquery."""

    field = SearchVectorField()
    field.set_attributes_from_name("search_document")
    field.model = Auction  # how expressions tell columns apart (not in _meta)

    def resolve_expression(self, query: Any = None, *args: Any, **kwargs: Any) -> Col:
        return Col(query.get_initial_alias(), self.field)


def search_text(queryset: QuerySet[Auction], text: str) -> QuerySet[Auction]:
    """Auctions whose title or description has every word (as a word start),
    annotated with `search_rank` (higher is better)."""
    words = search_words(text)
    if not words:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        query = SearchQuery(
            " & ".join(f"{word}:*" for word in words),
            search_type="raw",
            config=SEARCH_CONFIG,
        )
        return (
            queryset.alias(search_match=SearchDocument())
            .filter(search_match=query)
            .annotate(search_rank=SearchRank(SearchDocument(), query))
        )
    in_title = Q()
    matches = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
        matches &= Q(title__icontains=word) | Q(description__icontains=word)
    return queryset.filter(matches).annotate(
        search_rank=Case(
            When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    )


class DutchSteps(Func):
    """How many times a Dutch price has dropped by `now`: ⌊elapsed / interval⌋,
    never negative — `rules.dutch_price_at` in SQL, so the price filter and
    sort see the price the card shows."""

    output_field = BigIntegerField()

    def __init__(self, now: datetime) -> None:
        super().__init__(
            Value(now, output_field=DateTimeField()),
            F("starts_at"),
            F("dutch_interval_minutes"),
        )

    def _parts(self, compiler: Any, connection: Any) -> tuple[list[str], list[Any]]:
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(expression_params)
        return sqls, params

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        (now, starts, interval), params = self._parts(compiler, connection)
        return (
            f"CAST(GREATEST(FLOOR(EXTRACT(EPOCH FROM ({now} - {starts}))"
            f" / ({interval} * 60)), 0) AS bigint)",
            params,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        (now, starts, interval), params = self._parts(compiler, connection)
        return (
            f"MAX(CAST((julianday({now}) - julianday({starts})) * 86400.0"
            f" / ({interval} * 60) AS INTEGER), 0)",
            params,
        )


def with_price_now(queryset: QuerySet[Auction], now: datetime) -> QuerySet[Auction]:
    """Annotate `price_now`: the Dutch price of this moment (running Dutch
    auctions), else the current price."""
    dutch_price = Greatest(
        F("dutch_floor_stars"),
        F("starting_price_stars") - F("dutch_step_stars") * DutchSteps(now),
    )
    return queryset.annotate(
        price_now=Case(
            When(
                type=Auction.Type.DUTCH,
                status=Auction.Status.ACTIVE,
                then=dutch_price,
            ),
            default=F("current_price_stars"),
            output_field=BigIntegerField(),
        )
    )


def with_public_bid_count(queryset: QuerySet[Auction]) -> QuerySet[Auction]:
    """Annotate `public_bids`: the number of bids, except on sealed auctions,
    whose count the cards do not show either (0)."""
    return queryset.annotate(
        public_bids=Case(
            When(type=Auction.Type.SEALED, then=Value(0)),
            default=F("bid_count"),
            output_field=IntegerField(),
        )
    )
