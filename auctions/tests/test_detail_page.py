"""The auction page and its live part, through Django's test client: what each
viewer sees of each type, what stays hidden from whom, and the poll that answers
204 until something changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from auctions.models import Auction, AuctionImage
from auctions.services import auction_close, bid_place
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import funded_user

from .html import text, texts

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_for(auction: Auction, user=None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/auction/{auction.uuid}")
    assert response.status_code == 200
    return response.content.decode()


def live_version(page: str) -> str:
    return re.search(r'data-version="([0-9a-f]+)"', page).group(1)


def contains_number(page: str, number: int) -> bool:
    """Whether `number` appears on its own anywhere in the HTML (attributes
    included), not as part of an id, a token or a longer number."""
    return re.search(rf"(?<![\w-]){number}(?![\w-])", page) is not None


def test_an_english_auction_offers_a_bid_prefilled_with_the_minimum_and_a_maximum():
    auction = AuctionFactory(starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(100), amount=40)

    page = page_for(auction, funded_user(100))

    assert text(page, "auction-type") == "English (ascending)"
    assert "the highest bid wins" in text(page, "type-explanation")
    assert text(page, "price-label") == "Current bid"
    assert text(page, "auction-price") == "40 ⭐"
    assert text(page, "min-next-bid") == "Minimum bid: 41 ⭐"
    assert re.search(r'name="amount" value="41"[^>]* min="41"', page)
    assert text(page, "max-form").startswith("Your maximum (stars)")
    assert text(page, "extensions-left").startswith("10 of 10 left")


def test_a_perpetual_auction_explains_its_countdown():
    page = page_for(AuctionFactory(perpetual=True), funded_user(100))

    assert text(page, "perpetual-note") == "Each new bid restarts the countdown."
    assert text(page, "bid-form")
    assert text(page, "max-form")
    assert text(page, "extensions-left") == ""


def test_a_sealed_auction_offers_one_bid_and_hides_the_price():
    page = page_for(
        AuctionFactory(vickrey=True, starting_price_stars=25), UserFactory()
    )

    assert text(page, "price-label") == "Starting price"
    assert text(page, "auction-price") == "25 ⭐"
    assert text(page, "sealed-hidden") == "🔒 Bids are hidden until the end."
    assert "the winner pays the next bid" in text(page, "type-explanation")
    assert text(page, "bid-form").startswith("Your sealed bid (stars)")
    assert text(page, "max-form") == ""
    assert text(page, "bid-count") == ""


def test_a_dutch_auction_offers_to_accept_the_price_of_the_moment():
    auction = AuctionFactory(
        dutch=True, starts_at=timezone.now() - timedelta(minutes=25)
    )

    page = page_for(auction, UserFactory())

    assert text(page, "price-label") == "Price now"
    assert text(page, "auction-price") == "80 ⭐"
    assert text(page, "dutch-accept") == "Accept at 80 ⭐"
    assert text(page, "next-drop").startswith("Next drop in")
    assert text(page, "bid-form") == ""


def test_a_visitor_is_asked_to_log_in_to_bid_or_watch():
    auction = AuctionFactory()

    page = page_for(auction)

    assert f'href="/login?next=/auction/{auction.uuid}"' in page
    assert text(page, "login-to-bid") == "Log in to bid"
    assert text(page, "bid-form") == ""


def test_the_seller_sees_their_actions_and_no_bid_form():
    seller = UserFactory()
    auction = AuctionFactory(seller=seller)

    page = page_for(auction, seller)

    assert text(page, "auction-edit") == "Change or cancel"
    assert text(page, "bid-form") == ""
    bid_place(auction=auction, bidder=funded_user(100), amount=10)
    assert text(page_for(auction, seller), "auction-edit") == ""


def test_the_seller_of_a_perpetual_auction_may_close_it_once_it_has_a_bid():
    seller = UserFactory()
    auction = AuctionFactory(perpetual=True, seller=seller)
    assert text(page_for(auction, seller), "close-now") == ""

    bid_place(auction=auction, bidder=funded_user(100), amount=10)

    assert text(page_for(auction, seller), "close-now") == (
        "Close now and sell to the highest bidder"
    )


def test_the_description_is_escaped_text_with_its_line_breaks():
    auction = AuctionFactory(description="<b>Old</b> radio\nWorks & hums")

    page = page_for(auction)

    assert "&lt;b&gt;Old&lt;/b&gt; radio<br>Works &amp; hums" in page


def test_the_gallery_shows_every_picture_with_thumbnails():
    auction = AuctionFactory()
    for position in range(3):
        AuctionImage.objects.create(
            auction=auction,
            image=f"auctions/p{position}.jpg",
            thumbnail=f"auctions/thumbs/p{position}.webp",
            position=position,
            width=1600,
            height=1200,
        )

    page = page_for(auction)

    assert page.count('data-testid="auction-photo"') == 3
    assert page.count('data-testid="auction-image"') == 3
    assert 'data-bs-slide-to="2"' in page
    assert "/media/auctions/thumbs/p0.webp 480w, /media/auctions/p0.jpg 1600w" in page


def test_the_history_marks_automatic_steps_and_masks_other_bidders():
    auction = AuctionFactory(starting_price_stars=10)
    proxy = funded_user(500, first_name="Karima", last_name="")
    bid_place(auction=auction, bidder=proxy, amount=10, max_amount=100)
    challenger = funded_user(500, first_name="Omar", last_name="")
    bid_place(auction=auction, bidder=challenger, amount=30)

    page = page_for(auction, challenger)

    rows = texts(page, "bid-row")
    assert rows[0].startswith("K•••a automatic")
    assert rows[0].endswith("31 ⭐")
    assert rows[1].startswith("You") and rows[1].endswith("30 ⭐")
    assert "Karima" not in page
    assert text(page, "status-outbid") == "You have been outbid"


def test_a_proxy_maximum_never_reaches_anyone_else():
    auction = AuctionFactory(starting_price_stars=10)
    owner = funded_user(10_000)
    bid_place(auction=auction, bidder=owner, amount=10, max_amount=9_876)
    challenger = funded_user(500)
    bid_place(auction=auction, bidder=challenger, amount=20)

    for viewer in (challenger, auction.seller, None, UserFactory()):
        page = page_for(auction, viewer)
        assert not contains_number(page, 9_876)
        live = Client()
        if viewer is not None:
            live.force_login(viewer)
        partial = live.get(f"/auction/{auction.uuid}/live", **HTMX).content.decode()
        assert not contains_number(partial, 9_876)

    page = page_for(auction, owner)
    assert text(page, "own-max") == "Your maximum: 9876 ⭐ (only you see it)"
    assert text(page, "status-leading") == "You are the highest bidder"


def test_sealed_bids_are_hidden_from_everyone_but_their_bidder():
    seller = UserFactory()
    auction = AuctionFactory(sealed=True, seller=seller, starting_price_stars=10)
    bidder = funded_user(5_000)
    bid_place(auction=auction, bidder=bidder, amount=4_321)

    for viewer in (seller, None, funded_user(100)):
        page = page_for(auction, viewer)
        assert not contains_number(page, 4_321)
        assert texts(page, "bid-row") == []

    own = page_for(auction, bidder)
    assert text(own, "own-sealed-bid") == "Your sealed bid: 4321 ⭐"
    assert len(texts(own, "bid-row")) == 1
    assert text(own, "bid-form").startswith("Raise your sealed bid")


def test_sealed_bids_are_shown_once_the_auction_is_over():
    auction = AuctionFactory(sealed=True, starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(5_000), amount=4_321)
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    auction_close(auction_id=auction.pk)

    page = page_for(auction, UserFactory())

    assert [row.endswith("4321 ⭐") for row in texts(page, "bid-row")] == [True]
    assert text(page, "auction-result").endswith("for 4321 ⭐.")


def test_the_reserve_is_said_to_be_met_or_not_but_never_shown():
    auction = AuctionFactory(starting_price_stars=10, reserve_price_stars=4_321)
    assert text(page_for(auction), "reserve-status") == "Not met yet"

    bid_place(auction=auction, bidder=funded_user(500), amount=100)
    page = page_for(auction)
    assert text(page, "reserve-status") == "Not met yet"
    assert not contains_number(page, 4_321)

    bid_place(auction=auction, bidder=funded_user(5_000), amount=4_400)
    assert text(page_for(auction), "reserve-status") == "✓ Met"


def test_buy_it_now_is_offered_until_the_first_bid():
    auction = AuctionFactory(starting_price_stars=10, buy_now_price_stars=300)
    viewer = funded_user(100)
    assert text(page_for(auction, viewer), "buy-now") == "Buy it now for 300 ⭐"

    bid_place(auction=auction, bidder=funded_user(100), amount=10)

    assert text(page_for(auction, viewer), "buy-now") == ""


def test_a_bid_near_the_end_uses_an_extension():
    auction = AuctionFactory(
        starting_price_stars=10,
        ends_at=timezone.now() + timedelta(minutes=2),
        max_extensions=3,
    )

    bid_place(auction=auction, bidder=funded_user(100), amount=10)

    assert text(page_for(auction), "extensions-left").startswith("2 of 3 left")


def test_a_finished_auction_shows_the_winner_the_price_and_no_form():
    auction = AuctionFactory(starting_price_stars=10)
    winner = funded_user(100, first_name="Nadia", last_name="")
    bid_place(auction=auction, bidder=winner, amount=25)
    loser = funded_user(100)
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )

    closing = page_for(auction, loser)
    assert text(closing, "auction-time-left") == "Time left"
    assert "the result is being settled" in closing

    auction_close(auction_id=auction.pk)

    page = page_for(auction, loser)
    assert text(page, "auction-result") == "Sold to N•••a for 25 ⭐."
    assert text(page, "price-label") == "Final price"
    assert text(page, "bid-form") == ""
    assert 'hx-get="' not in page.split('id="auction-live"')[1].split(">")[0]
    assert text(page_for(auction, winner), "auction-result") == (
        "You won! You bought it for 25 ⭐."
    )
    assert text(page_for(auction, auction.seller), "auction-result") == (
        "Sold to Nadia for 25 ⭐."
    )


def test_an_auction_without_bids_says_so_when_it_ends():
    auction = AuctionFactory(due=True)
    auction_close(auction_id=auction.pk)

    assert text(page_for(auction), "auction-result") == "Ended without bids."


def test_a_draft_or_a_made_up_auction_is_not_found(client):
    assert client.get(
        f"/auction/{AuctionFactory(status='draft').uuid}"
    ).status_code == (404)
    missing = "/auction/00000000-0000-0000-0000-000000000000"
    assert client.get(missing).status_code == 404
    assert client.get(f"{missing}/live").status_code == 404


class TestTheLivePart:
    def test_it_answers_204_while_nothing_changed(self, client):
        auction = AuctionFactory()
        version = live_version(page_for(auction))

        response = client.get(f"/auction/{auction.uuid}/live?v={version}", **HTMX)

        assert response.status_code == 204
        assert response.content == b""

    def test_it_shows_a_bid_by_someone_else_with_a_new_version(self, client):
        auction = AuctionFactory(starting_price_stars=10)
        watcher = funded_user(100)
        client.force_login(watcher)
        version = live_version(client.get(f"/auction/{auction.uuid}").content.decode())

        bid_place(auction=auction, bidder=funded_user(100), amount=15)
        response = client.get(f"/auction/{auction.uuid}/live?v={version}", **HTMX)

        partial = response.content.decode()
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("no-store") or (
            "no-cache" in response["Cache-Control"]
        )
        assert text(partial, "auction-price") == "15 ⭐"
        assert texts(partial, "bid-amount") == ["15 ⭐"]
        assert text(partial, "min-next-bid") == "Minimum bid: 16 ⭐"
        new_version = live_version(partial)
        assert new_version != version
        assert f"/live?v={new_version}" in partial
        again = client.get(f"/auction/{auction.uuid}/live?v={new_version}", **HTMX)
        assert again.status_code == 204

    def test_the_dutch_price_dropping_is_a_change(self, client):
        auction = AuctionFactory(dutch=True)
        version = live_version(page_for(auction))
        # The clock alone lowers the price: same row, earlier start.
        Auction.objects.filter(pk=auction.pk).update(
            starts_at=timezone.now() - timedelta(minutes=11)
        )

        response = client.get(f"/auction/{auction.uuid}/live?v={version}", **HTMX)

        assert response.status_code == 200
        assert text(response.content, "auction-price") == "90 ⭐"

    def test_the_unchanged_poll_is_one_small_query(
        self, client, django_assert_max_num_queries
    ):
        auction = AuctionFactory()
        client.force_login(funded_user(100))
        version = live_version(client.get(f"/auction/{auction.uuid}").content.decode())

        # The session, the user, the auction's marker.
        with django_assert_max_num_queries(3):
            response = client.get(f"/auction/{auction.uuid}/live?v={version}")

        assert response.status_code == 204

    def test_the_changed_poll_makes_the_same_queries_however_many_bids(
        self, client, django_assert_num_queries
    ):
        auction = AuctionFactory(starting_price_stars=10)
        viewer = funded_user(500)
        bid_place(auction=auction, bidder=viewer, amount=10)
        client.force_login(viewer)

        def poll() -> None:
            assert client.get(f"/auction/{auction.uuid}/live").status_code == 200

        with CaptureQueriesContext(connection) as few:
            poll()
        for amount in range(20, 220, 10):
            bid_place(auction=auction, bidder=funded_user(500), amount=amount)
        with django_assert_num_queries(len(few.captured_queries)):
            poll()
        assert len(few.captured_queries) <= 10
