"""/my_auctions: the Selling, Bidding and Won tabs, each with its status, and a
fixed number of queries whatever the number of auctions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from auctions.models import Auction
from auctions.services import auction_close, bid_place
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import funded_user

from .html import text, texts

pytestmark = pytest.mark.django_db


def end_and_close(auction: Auction) -> None:
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    auction_close(auction_id=auction.pk)


def rows(client, tab: str) -> list[str]:
    return texts(client.get(f"/my_auctions?tab={tab}").content, "my-row")


def test_it_needs_a_login(client):
    response = client.get("/my_auctions")

    assert response.status_code == 302
    assert response.url.startswith("/login")


def test_selling_lists_my_auctions_with_status_price_and_bids(client):
    seller = UserFactory()
    running = AuctionFactory(seller=seller, title="Lamp", starting_price_stars=10)
    bid_place(auction=running, bidder=funded_user(100), amount=30)
    sold = AuctionFactory(seller=seller, title="Chair", starting_price_stars=10)
    bid_place(auction=sold, bidder=funded_user(100), amount=20)
    end_and_close(sold)
    AuctionFactory(title="Someone else's")
    client.force_login(seller)

    page = client.get("/my_auctions").content

    assert text(page, "tab-selling") == "Selling"
    listed = dict(zip(texts(page, "my-title"), texts(page, "my-status"), strict=True))
    assert listed == {"Lamp": "Running", "Chair": "Sold"}
    assert texts(page, "my-price") == ["20 ⭐", "30 ⭐"]  # the newest first
    assert "1 bid" in texts(page, "my-row")[1]


def test_bidding_shows_where_i_lead_and_where_i_was_outbid_with_my_stake(client):
    me = funded_user(1_000)
    leading = AuctionFactory(title="Leading", starting_price_stars=10)
    bid_place(auction=leading, bidder=me, amount=10, max_amount=200)
    outbid = AuctionFactory(title="Outbid", starting_price_stars=10)
    bid_place(auction=outbid, bidder=me, amount=15)
    bid_place(auction=outbid, bidder=funded_user(100), amount=50)
    sealed = AuctionFactory(title="Sealed", sealed=True, starting_price_stars=10)
    bid_place(auction=sealed, bidder=me, amount=70)
    AuctionFactory(title="Not mine")
    client.force_login(me)

    page = client.get("/my_auctions?tab=bidding").content

    statuses = dict(zip(texts(page, "my-title"), texts(page, "my-status"), strict=True))
    assert statuses == {
        "Leading": "Leading",
        "Outbid": "Outbid",
        "Sealed": "Sealed bid placed",
    }
    stakes = dict(zip(texts(page, "my-title"), texts(page, "my-stake"), strict=True))
    assert stakes["Leading"] == "your bid 10 ⭐ · your maximum 200 ⭐ · held 200 ⭐"
    assert stakes["Outbid"] == "your bid 15 ⭐"
    assert stakes["Sealed"] == "your bid 70 ⭐ · held 70 ⭐"


def test_won_lists_what_i_won_with_the_final_price(client):
    me = funded_user(500)
    won = AuctionFactory(title="Won", starting_price_stars=10)
    bid_place(auction=won, bidder=me, amount=40)
    end_and_close(won)
    lost = AuctionFactory(title="Lost", starting_price_stars=10)
    bid_place(auction=lost, bidder=me, amount=10)
    bid_place(auction=lost, bidder=funded_user(500), amount=60)
    end_and_close(lost)
    client.force_login(me)

    won_page = client.get("/my_auctions?tab=won").content
    bidding_page = client.get("/my_auctions?tab=bidding").content

    assert texts(won_page, "my-title") == ["Won"]
    assert texts(won_page, "my-price") == ["40 ⭐"]
    assert texts(won_page, "my-status") == ["Won"]
    assert texts(bidding_page, "my-title") == ["Lost"]
    assert texts(bidding_page, "my-status") == ["Not won"]


def test_each_tab_says_when_it_is_empty(client):
    client.force_login(UserFactory())

    assert "not put anything up" in text(client.get("/my_auctions").content, "my-empty")
    assert "not bid on anything" in text(
        client.get("/my_auctions?tab=bidding").content, "my-empty"
    )
    assert "not won an auction" in text(
        client.get("/my_auctions?tab=won").content, "my-empty"
    )


@pytest.mark.parametrize("tab", ["selling", "bidding", "won"])
def test_every_tab_makes_a_fixed_number_of_queries(
    client, tab, django_assert_max_num_queries
):
    me = funded_user(5_000)
    seller = UserFactory()

    def add_auctions(count: int) -> None:
        for _ in range(count):
            AuctionFactory(seller=me, starting_price_stars=10)
            bidding = AuctionFactory(seller=seller, starting_price_stars=10)
            bid_place(auction=bidding, bidder=me, amount=10, max_amount=20)
            won = AuctionFactory(seller=seller, starting_price_stars=10)
            bid_place(auction=won, bidder=me, amount=10)
            end_and_close(won)

    client.force_login(me)
    add_auctions(1)
    # Session, user, count, the page, its pictures.
    with django_assert_max_num_queries(5):
        assert len(rows(client, tab)) == 1
    add_auctions(4)
    with django_assert_max_num_queries(5):
        assert len(rows(client, tab)) == 5
