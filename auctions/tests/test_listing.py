"""The front page lists running auctions as cards, a page at a time; the
watchlist lists what a user follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from auctions.models import Auction, AuctionImage
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory, WatchFactory
from auctions.views.listing import PAGE_SIZE
from payments.tests.factories import funded_user

from .html import text, texts

pytestmark = pytest.mark.django_db


def with_picture(auction: Auction, name: str = "lamp") -> Auction:
    for position in (1, 0):
        AuctionImage.objects.create(
            auction=auction,
            image=f"auctions/{name}-{position}.jpg",
            thumbnail=f"auctions/thumbs/{name}-{position}.webp",
            position=position,
        )
    return auction


def test_without_running_auctions_the_front_page_says_so(client):
    AuctionFactory(status=Auction.Status.FINISHED)

    page = client.get("/").content

    assert text(page, "auctions-empty").startswith("No auctions are running right now.")
    assert texts(page, "auction-card") == []


def test_a_card_shows_the_picture_price_time_left_bids_and_type(client):
    auction = with_picture(AuctionFactory(title="Green lamp", starting_price_stars=10))
    bid_place(auction=auction, bidder=funded_user(100), amount=35)

    page = client.get("/").content.decode()

    assert text(page, "card-title") == "Green lamp"
    assert text(page, "card-price") == "35 ⭐"
    assert text(page, "card-bids") == "1 bid"
    assert text(page, "card-type") == "English (ascending)"
    assert text(page, "card-time-left").startswith("⏱ 23 hours")
    assert 'src="/media/auctions/thumbs/lamp-0.webp"' in page  # the first picture
    assert f'href="/auction/{auction.uuid}"' in page


def test_only_running_auctions_are_listed(client):
    AuctionFactory(title="Running")
    AuctionFactory(title="Over", status=Auction.Status.FINISHED)
    AuctionFactory(title="Gone", status=Auction.Status.CANCELLED)
    AuctionFactory(title="Draft", status=Auction.Status.DRAFT)
    AuctionFactory(title="Awaiting the sweep", due=True)
    AuctionFactory(
        title="Later",
        status=Auction.Status.SCHEDULED,
        starts_at=timezone.now() + timedelta(hours=1),
    )

    page = client.get("/").content

    assert texts(page, "card-title") == ["Running"]


def test_a_dutch_card_shows_the_price_of_the_moment_and_a_sealed_one_no_count(
    client,
):
    AuctionFactory(dutch=True, starts_at=timezone.now() - timedelta(minutes=21))
    AuctionFactory(sealed=True, starting_price_stars=40)

    page = client.get("/").content

    prices = dict(zip(texts(page, "card-type"), texts(page, "card-price"), strict=True))
    assert prices == {"Dutch (descending)": "80 ⭐", "Sealed-bid": "40 ⭐"}
    assert "🔒 sealed bids" in texts(page, "card-bids")


def test_auctions_are_paginated_soonest_ending_first(client):
    now = timezone.now()
    for hours in range(PAGE_SIZE + 1, 0, -1):
        AuctionFactory(title=f"Ends in {hours}h", ends_at=now + timedelta(hours=hours))

    first = client.get("/").content
    second = client.get("/?page=2").content

    assert len(texts(first, "auction-card")) == PAGE_SIZE
    assert texts(first, "card-title")[:2] == ["Ends in 1h", "Ends in 2h"]
    assert texts(second, "card-title") == [f"Ends in {PAGE_SIZE + 1}h"]
    assert text(first, "page-number") == "Page 1 of 2"
    assert 'href="?page=2"' in first.decode()
    assert client.get("/?page=99").status_code == 200  # the last page instead


def test_the_front_page_makes_the_same_queries_however_many_cards(
    client, django_assert_num_queries
):
    for _ in range(2):
        with_picture(AuctionFactory())
    # The count, the page of auctions, their pictures, the search's categories.
    with django_assert_num_queries(4):
        client.get("/")
    for _ in range(8):
        with_picture(AuctionFactory())
    with django_assert_num_queries(4):
        client.get("/")


def test_the_menu_links_to_my_auctions_and_the_watchlist(client):
    client.force_login(UserFactory())

    page = client.get("/").content

    assert text(page, "nav-my-auctions") == "My auctions"
    assert text(page, "nav-watchlist") == "Watchlist"


def test_the_watchlist_lists_what_the_user_watches(client):
    user = UserFactory()
    watched = WatchFactory(user=user, auction=AuctionFactory(title="Clock")).auction
    WatchFactory(auction=AuctionFactory(title="Someone else's"))
    AuctionFactory(title="Not watched")
    client.force_login(user)

    page = client.get("/watchlist").content

    assert texts(page, "card-title") == ["Clock"]
    assert text(page, "card-price") == f"{watched.current_price_stars} ⭐"


def test_an_empty_watchlist_says_how_to_fill_it(client):
    client.force_login(UserFactory())

    page = client.get("/watchlist").content

    assert "Tap “Watch” on an auction" in text(page, "watchlist-empty")


def test_the_watchlist_needs_a_login(client):
    response = client.get("/watchlist")

    assert response.status_code == 302
    assert response.url.startswith("/login")
