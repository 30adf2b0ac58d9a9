"""auctions_search: every filter and order of the search on `/`, on the
database the tests run on (text matching is PostgreSQL full-text search there,
LIKE on SQLite); the ranking and its index are checked on PostgreSQL only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from auctions.models import Auction
from auctions.search import search_text
from auctions.selectors_search import auction_search_filter, auctions_search
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory, CategoryFactory
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text ranking and its indexed document exist on PostgreSQL only; the "
    "SQLite fallback is covered by the other tests here",
)


def titles(**params) -> list[str]:
    return [auction.title for auction in auctions_search(params=params)]


def test_without_parameters_it_lists_running_auctions_soonest_ending_first():
    now = timezone.now()
    AuctionFactory(title="Later", ends_at=now + timedelta(days=2))
    AuctionFactory(title="Sooner", ends_at=now + timedelta(hours=2))
    AuctionFactory(title="Over", status=Auction.Status.FINISHED)
    AuctionFactory(
        title="Not started",
        status=Auction.Status.SCHEDULED,
        starts_at=now + timedelta(hours=1),
    )

    assert titles() == ["Sooner", "Later"]


def test_words_are_found_in_titles_and_descriptions():
    AuctionFactory(title="Brass telescope", description="Extends to 80 cm.")
    AuctionFactory(title="Old radio", description="Comes with a brass antenna.")
    AuctionFactory(title="Tea set", description="Porcelain.")

    assert sorted(titles(q="brass")) == ["Brass telescope", "Old radio"]
    assert titles(q="porcelain") == ["Tea set"]


def test_every_word_must_match_and_case_does_not_matter():
    AuctionFactory(title="Brass telescope", description="Extends to 80 cm.")
    AuctionFactory(title="Brass lamp", description="Green shade.")

    assert titles(q="BRASS green") == ["Brass lamp"]
    assert titles(q="brass violin") == []


def test_the_start_of_a_word_is_enough():
    AuctionFactory(title="Brass telescope")

    assert titles(q="tele") == ["Brass telescope"]


def test_punctuation_in_a_search_is_harmless():
    AuctionFactory(title="Brass telescope")

    assert titles(q="telescope & ! | ( ' :*") == ["Brass telescope"]
    assert len(titles(q="&|!")) == 1  # no words: no text filter


def test_a_type_keeps_only_auctions_of_that_type():
    AuctionFactory(title="English")
    AuctionFactory(title="Dutch", dutch=True)
    AuctionFactory(title="Sealed", sealed=True)

    assert titles(type="dutch") == ["Dutch"]


def test_a_category_is_chosen_by_its_slug():
    clocks = CategoryFactory(name="Clocks", slug="clocks")
    AuctionFactory(title="Wall clock", category=clocks)
    AuctionFactory(title="Lamp", category=CategoryFactory(slug="lamps"))

    assert titles(category="clocks") == ["Wall clock"]


def test_a_price_range_uses_the_price_of_the_moment():
    now = timezone.now()
    AuctionFactory(title="Cheap", starting_price_stars=10)
    AuctionFactory(title="Middle", starting_price_stars=60)
    AuctionFactory(title="Dear", starting_price_stars=500)
    # Started at 100, 10 less every 10 minutes: 70 after 35 minutes.
    AuctionFactory(
        title="Dutch at 70", dutch=True, starts_at=now - timedelta(minutes=35)
    )

    assert titles(min_price="50", max_price="100", sort="price") == [
        "Middle",
        "Dutch at 70",
    ]
    assert titles(min_price="400") == ["Dear"]
    assert titles(max_price="10") == ["Cheap"]


def test_a_bid_moves_an_auction_into_a_price_range():
    auction = AuctionFactory(title="Lamp", starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(500), amount=150)

    assert titles(min_price="100") == ["Lamp"]


def test_ending_within_keeps_auctions_that_end_in_that_time():
    now = timezone.now()
    AuctionFactory(title="Half an hour", ends_at=now + timedelta(minutes=30))
    AuctionFactory(title="Ten hours", ends_at=now + timedelta(hours=10))
    AuctionFactory(title="Three days", ends_at=now + timedelta(days=3))
    AuctionFactory(title="Two weeks", ends_at=now + timedelta(days=14))

    assert titles(ending="1h") == ["Half an hour"]
    assert titles(ending="24h") == ["Half an hour", "Ten hours"]
    assert titles(ending="7d") == ["Half an hour", "Ten hours", "Three days"]


def test_buy_it_now_keeps_auctions_that_still_offer_it():
    AuctionFactory(title="Offered", buy_now_price_stars=100)
    AuctionFactory(title="No price")
    taken = AuctionFactory(title="Already bid on", buy_now_price_stars=100)
    bid_place(auction=taken, bidder=funded_user(500), amount=20)

    assert titles(buy_now="on") == ["Offered"]


def test_no_bids_yet_leaves_out_auctions_with_bids_and_sealed_ones():
    AuctionFactory(title="Untouched")
    AuctionFactory(title="Sealed", sealed=True)
    bid_on = AuctionFactory(title="Bid on")
    bid_place(auction=bid_on, bidder=funded_user(500), amount=20)

    assert titles(no_bids="on") == ["Untouched"]
    assert sorted(titles(no_bids="")) == ["Bid on", "Sealed", "Untouched"]


def test_it_sorts_by_newest_price_and_bids():
    now = timezone.now()
    old = AuctionFactory(
        title="Old", starting_price_stars=30, starts_at=now - timedelta(days=2)
    )
    AuctionFactory(title="New", starting_price_stars=20, starts_at=now)
    AuctionFactory(
        title="Middle", starting_price_stars=50, starts_at=now - timedelta(days=1)
    )
    for amount in (30, 35):
        bid_place(auction=old, bidder=funded_user(500), amount=amount)

    assert titles(sort="newest") == ["New", "Middle", "Old"]
    assert titles(sort="price") == ["New", "Old", "Middle"]
    assert titles(sort="-price") == ["Middle", "Old", "New"]
    assert titles(sort="bids")[0] == "Old"


def test_a_sealed_auctions_bids_do_not_lift_it_in_most_bids():
    sealed = AuctionFactory(
        title="Sealed", sealed=True, ends_at=timezone.now() + timedelta(hours=1)
    )
    for _ in range(3):
        bid_place(auction=sealed, bidder=funded_user(500), amount=20)
    english = AuctionFactory(
        title="English", ends_at=timezone.now() + timedelta(hours=2)
    )
    bid_place(auction=english, bidder=funded_user(500), amount=20)

    assert titles(sort="bids") == ["English", "Sealed"]


def test_filters_combine():
    clocks = CategoryFactory(slug="clocks")
    AuctionFactory(title="Brass clock", category=clocks, starting_price_stars=40)
    AuctionFactory(title="Brass clock, dear", category=clocks, starting_price_stars=400)
    AuctionFactory(title="Brass lamp", starting_price_stars=40)

    assert titles(q="brass", category="clocks", max_price="100") == ["Brass clock"]


def test_values_that_do_not_parse_are_left_out_and_named():
    AuctionFactory(title="Lamp", starting_price_stars=40)

    search = auction_search_filter(
        params={
            "min_price": "abc",
            "max_price": "-5",
            "type": "auction",
            "category": "nope",
            "ending": "soon",
            "sort": "best",
            "q": "lamp",
        }
    )

    assert [auction.title for auction in search.qs] == ["Lamp"]
    assert sorted(search.ignored) == sorted(
        ["Price from", "Price to", "Type", "Category", "Ending", "Sort by"]
    )


def test_a_search_that_is_too_long_is_left_out():
    AuctionFactory(title="Lamp")

    search = auction_search_filter(params={"q": "lamp " * 100})

    assert [auction.title for auction in search.qs] == ["Lamp"]
    assert search.ignored == ["Search"]


def test_with_search_words_the_default_order_puts_title_matches_first():
    now = timezone.now()
    AuctionFactory(
        title="Radio",
        description="With a brass knob.",
        ends_at=now + timedelta(hours=1),
    )
    AuctionFactory(title="Brass bell", ends_at=now + timedelta(hours=5))

    assert titles(q="brass") == ["Brass bell", "Radio"]
    assert titles(q="brass", sort="ending") == ["Radio", "Brass bell"]


@on_postgresql
def test_on_postgresql_a_title_match_outranks_a_description_match():
    now = timezone.now()
    AuctionFactory(
        title="Gramophone",
        description="Telescope-shaped horn, telescope case, telescope box.",
        ends_at=now + timedelta(hours=1),
    )
    AuctionFactory(
        title="Telescope", description="Brass.", ends_at=now + timedelta(hours=9)
    )

    ranked = list(auctions_search(params={"q": "telescope"}))

    assert [auction.title for auction in ranked] == ["Telescope", "Gramophone"]
    assert ranked[0].search_rank > ranked[1].search_rank


@on_postgresql
def test_on_postgresql_the_text_search_uses_the_stored_documents_index():
    # On a handful of rows the planner prefers the status index, so the text
    # condition is explained alone.
    AuctionFactory(title="Telescope")
    queryset = search_text(Auction.objects.all(), "telescope")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    assert "auction_search_document_gin" in plan


@on_postgresql
def test_on_postgresql_the_document_follows_an_edited_title():
    auction = AuctionFactory(title="Telescope")
    Auction.objects.filter(pk=auction.pk).update(title="Microscope")

    assert titles(q="telescope") == []
    assert titles(q="microscope") == ["Microscope"]


@on_postgresql
def test_on_postgresql_a_search_works_inside_a_subquery():
    AuctionFactory(title="Telescope")
    AuctionFactory(title="Lamp")
    matching = auctions_search(params={"q": "telescope"}).values("pk")

    assert [a.title for a in Auction.objects.filter(pk__in=matching)] == ["Telescope"]
