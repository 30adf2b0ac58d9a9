"""The search form on `/` (django-filter): every choice is a GET parameter, so a
search is a link that can be shared, bookmarked and gone back to.

A value that does not parse (a price of "abc", an unknown category) fails its
form field; django-filter then leaves that filter out and the page says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from auctions.models import Auction, Category
from auctions.search import search_text, search_words
from payments.services import MAX_STARS

MAX_QUERY_LENGTH = 200


class Ending(TextChoices):
    HOUR = "1h", _("Within an hour")
    DAY = "24h", _("Within 24 hours")
    WEEK = "7d", _("Within 7 days")


ENDING_WITHIN = {
    Ending.HOUR: timedelta(hours=1),
    Ending.DAY: timedelta(hours=24),
    Ending.WEEK: timedelta(days=7),
}


class Sort(TextChoices):
    ENDING = "ending", _("Ending soonest")
    NEWEST = "newest", _("Newly listed")
    PRICE_LOW = "price", _("Price: lowest first")
    PRICE_HIGH = "-price", _("Price: highest first")
    BIDS = "bids", _("Most bids")


# The empty choice ("Best match"): the best text matches first, then the soonest
# to end; without search words it is simply the soonest to end. Every order ends
# on the primary key, so pages never overlap.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "": ("ends_at", "pk"),
    Sort.ENDING: ("ends_at", "pk"),
    Sort.NEWEST: ("-starts_at", "-pk"),
    Sort.PRICE_LOW: ("price_now", "ends_at", "pk"),
    Sort.PRICE_HIGH: ("-price_now", "ends_at", "pk"),
    Sort.BIDS: ("-public_bids", "ends_at", "pk"),
}


class StarsFilter(django_filters.NumberFilter):
    """A whole number of stars (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class AuctionSearchFilter(django_filters.FilterSet):
    """Filters over running auctions annotated with `price_now` and
    `public_bids` (see `selectors_search`)."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_text", max_length=MAX_QUERY_LENGTH
    )
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=Auction.Type.choices, empty_label=_("All types")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label=_("All categories"),
    )
    min_price = StarsFilter(
        label=_("Price from"),
        field_name="price_now",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_STARS,
    )
    max_price = StarsFilter(
        label=_("Price to"),
        field_name="price_now",
        lookup_expr="lte",
        min_value=0,
        max_value=MAX_STARS,
    )
    ending = django_filters.ChoiceFilter(
        label=_("Ending"),
        choices=Ending.choices,
        empty_label=_("Any time"),
        method="filter_ending",
    )
    buy_now = django_filters.BooleanFilter(
        label=_("Buy it now"), widget=forms.CheckboxInput, method="filter_buy_now"
    )
    no_bids = django_filters.BooleanFilter(
        label=_("No bids yet"), widget=forms.CheckboxInput, method="filter_no_bids"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=Sort.choices, empty_label=_("Best match")
    )

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", _css_class(field.widget))
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs.update(
            placeholder=_("Search auctions"), enterkeyhint="search", autocomplete="off"
        )

    def filter_text(
        self, queryset: QuerySet[Auction], name: str, value: str
    ) -> QuerySet[Auction]:
        return search_text(queryset, value)

    def filter_ending(
        self, queryset: QuerySet[Auction], name: str, value: str
    ) -> QuerySet[Auction]:
        return queryset.filter(ends_at__lte=self.now + ENDING_WITHIN[value])

    def filter_buy_now(
        self, queryset: QuerySet[Auction], name: str, value: bool
    ) -> QuerySet[Auction]:
        # Buy-it-now is offered on English auctions until the first bid.
        if not value:
            return queryset
        return queryset.filter(
            type=Auction.Type.ENGLISH,
            buy_now_price_stars__isnull=False,
            bid_count=0,
        )

    def filter_no_bids(
        self, queryset: QuerySet[Auction], name: str, value: bool
    ) -> QuerySet[Auction]:
        # Whether a sealed auction has bids is not told, so none of them match.
        if not value:
            return queryset
        return queryset.filter(bid_count=0).exclude(type=Auction.Type.SEALED)

    @property
    def searching(self) -> bool:
        return bool(search_words(self.form.cleaned_data.get("q") or ""))

    def filter_queryset(self, queryset: QuerySet[Auction]) -> QuerySet[Auction]:
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if name != "sort":
                queryset = self.filters[name].filter(queryset, value)
        sort = cleaned.get("sort") or ""
        ordering = ORDERINGS[sort]
        if not sort and self.searching:
            ordering = ("-search_rank", *ordering)
        return queryset.order_by(*ordering)

    @property
    def ignored(self) -> list[str]:
        """The labels of the filters whose values did not parse."""
        fields = self.form.fields
        return [str(fields[name].label) for name in self.form.errors if name in fields]

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (the order does not)."""
        cleaned = self.form.cleaned_data
        return any(value for name, value in cleaned.items() if name != "sort")

    def query_string_items(self) -> list[tuple[str, str]]:
        """The parameters worth keeping in links to other pages: the ones that
        parsed and say something."""
        cleaned = self.form.cleaned_data
        return [
            (name, str(self.form.data.get(name)))
            for name in self.form.fields
            if cleaned.get(name) not in (None, "", False)
        ]
