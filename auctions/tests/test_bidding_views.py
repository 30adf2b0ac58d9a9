"""Bidding from the auction page through Django's test client: what a bidder
sees after each post (a message after a redirect, or the refusal as a form error
in their language) and what ends up stored."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.tests.factories import UserFactory
from auctions.models import Auction, Bid, Watch
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory, WatchFactory
from auctions.views import bidding
from payments.tests.factories import funded_user

from .html import text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _own_rate_counters(monkeypatch):
    # Counters live in the shared cache, keyed by user id; ids repeat between
    # tests on SQLite, so each test counts under its own prefix.
    monkeypatch.setattr(bidding, "RATE_KEY_PREFIX", f"bid-rate-test-{uuid4().hex}")


def logged_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def in_russian(message: str, **params) -> str:
    with translation.override("ru"):
        translated = gettext(message)
    return translated % params if params else translated


def bid_url(auction: Auction, action: str = "bid") -> str:
    return f"/auction/{auction.uuid}/{action}"


def test_a_bid_is_placed_and_the_page_says_so_after_a_redirect(client):
    auction = AuctionFactory(starting_price_stars=10)
    bidder = funded_user(100)

    response = logged_in(client, bidder).post(bid_url(auction), {"amount": "10"})

    assert response.status_code == 302
    assert response.url == f"/auction/{auction.uuid}"
    page = client.get(response.url).content
    assert "You are the highest bidder at 10 ⭐." in page.decode()
    assert text(page, "auction-price") == "10 ⭐"
    assert text(page, "status-leading") == "You are the highest bidder"
    assert text(page, "own-hold") == "Held for this auction: 10 ⭐"
    assert Bid.objects.get().amount == 10


def test_a_bid_below_the_minimum_shows_the_minimum_in_russian(client):
    auction = AuctionFactory(starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(100), amount=10)
    bidder = funded_user(100, language="ru")

    response = logged_in(client, bidder).post(bid_url(auction), {"amount": "10"})

    assert response.status_code == 200
    assert '<html lang="ru"' in response.content.decode()
    # The message the services raise, in its existing Russian translation.
    assert text(response.content, "bid-errors") == "Минимальная ставка — 11 ⭐."
    assert Bid.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "message", "params"),
    [
        (
            "poor",
            "Not enough stars: %(available)s available, %(needed)s needed.",
            {"available": 5, "needed": 10},
        ),
        ("own", "You cannot bid on your own auction.", {}),
        ("ended", "This auction has ended.", {}),
        ("finished", "This auction has ended.", {}),
        ("cancelled", "This auction was cancelled.", {}),
        ("not_started", "This auction has not started yet.", {}),
    ],
)
def test_a_refused_bid_is_a_form_error_in_the_bidders_language(
    client, setup, message, params
):
    bidder = funded_user(5 if setup == "poor" else 100, language="ru")
    overrides = {
        "own": {"seller": bidder},
        "ended": {"due": True},
        "finished": {"status": Auction.Status.FINISHED},
        "cancelled": {"status": Auction.Status.CANCELLED},
        "not_started": {
            "status": Auction.Status.SCHEDULED,
            "starts_at": timezone.now() + timedelta(hours=1),
        },
    }.get(setup, {})
    auction = AuctionFactory(starting_price_stars=10, **overrides)

    response = logged_in(client, bidder).post(bid_url(auction), {"amount": "10"})

    assert response.status_code == 200
    errors = text(response.content, "bid-errors")
    assert errors.startswith(in_russian(message, **params))
    assert not Bid.objects.exists()


def test_not_enough_stars_offers_to_buy_some(client):
    auction = AuctionFactory(starting_price_stars=10)

    response = logged_in(client, funded_user(5)).post(
        bid_url(auction), {"amount": "10"}
    )

    page = response.content.decode()
    assert "Not enough stars: 5 available, 10 needed." in text(page, "bid-errors")
    assert 'href="/buy_stars" class="alert-link" data-testid="buy-stars-link"' in page


def test_a_number_that_is_not_whole_is_refused_by_the_form(client):
    auction = AuctionFactory(starting_price_stars=10)

    response = logged_in(client, funded_user(100)).post(
        bid_url(auction), {"amount": "ten"}
    )

    assert text(response.content, "bid-errors") == "Enter a whole number."
    assert not Bid.objects.exists()


def test_a_negative_amount_is_refused_by_the_form(client):
    auction = AuctionFactory(starting_price_stars=10)

    response = logged_in(client, funded_user(100)).post(
        bid_url(auction), {"amount": "-5"}
    )

    assert "greater than or equal to 1" in text(response.content, "bid-errors")
    assert not Bid.objects.exists()


def test_a_lower_second_sealed_bid_is_refused_with_the_first_bid_named(client):
    auction = AuctionFactory(sealed=True, starting_price_stars=10)
    bidder = funded_user(200)
    logged_in(client, bidder).post(bid_url(auction), {"amount": "50"})

    response = client.post(bid_url(auction), {"amount": "40"})

    assert text(response.content, "bid-errors") == (
        "A sealed bid can only be raised: your bid is 50 stars, bid more than that."
    )
    assert list(Bid.objects.values_list("amount", flat=True)) == [50]


def test_a_sealed_bid_is_raised(client):
    auction = AuctionFactory(sealed=True, starting_price_stars=10)
    logged_in(client, funded_user(200)).post(bid_url(auction), {"amount": "50"})

    response = client.post(bid_url(auction), {"amount": "60"}, follow=True)

    page = response.content
    assert "Your sealed bid of 60 ⭐ is in." in page.decode()
    assert text(page, "own-sealed-bid") == "Your sealed bid: 60 ⭐"
    assert text(page, "own-hold") == "Held for this auction: 60 ⭐"


def test_accepting_the_dutch_price_buys_the_lot(client):
    auction = AuctionFactory(dutch=True)
    buyer = funded_user(200)

    response = logged_in(client, buyer).post(bid_url(auction, "accept"), follow=True)

    auction.refresh_from_db()
    assert auction.status == Auction.Status.FINISHED
    assert auction.winner == buyer
    page = response.content
    assert "It is yours: you bought it for 100 ⭐." in page.decode()
    assert text(page, "auction-result") == "You won! You bought it for 100 ⭐."


def test_a_dutch_accept_after_someone_else_accepted_says_so(client):
    auction = AuctionFactory(dutch=True)
    logged_in(client, funded_user(200)).post(bid_url(auction, "accept"))
    late = Client()

    response = logged_in(late, funded_user(200)).post(bid_url(auction, "accept"))

    assert text(response.content, "bid-errors") == (
        "Someone else accepted the price first; this auction has ended."
    )


def test_buy_it_now_ends_the_auction_at_once(client):
    auction = AuctionFactory(starting_price_stars=10, buy_now_price_stars=300)
    buyer = funded_user(500)

    response = logged_in(client, buyer).post(bid_url(auction, "buy_now"), follow=True)

    auction.refresh_from_db()
    assert (auction.status, auction.winner, auction.final_price_stars) == (
        Auction.Status.FINISHED,
        buyer,
        300,
    )
    assert "It is yours: you bought it for 300 ⭐." in response.content.decode()


def test_buy_it_now_after_the_first_bid_is_refused_and_no_longer_offered(client):
    auction = AuctionFactory(starting_price_stars=10, buy_now_price_stars=300)
    bidder = funded_user(500)
    page = logged_in(client, bidder).get(f"/auction/{auction.uuid}").content
    assert text(page, "buy-now") == "Buy it now for 300 ⭐"
    bid_place(auction=auction, bidder=funded_user(100), amount=10)

    response = client.post(bid_url(auction, "buy_now"))

    assert text(response.content, "bid-errors") == (
        "Buy-it-now is no longer offered: the auction already has bids."
    )
    assert text(response.content, "buy-now") == ""
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ACTIVE


def test_a_maximum_bids_the_least_needed_and_stays_hidden(client):
    auction = AuctionFactory(starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(100), amount=10)
    bidder = funded_user(500)

    response = logged_in(client, bidder).post(
        bid_url(auction, "max"), {"max_amount": "300"}, follow=True
    )

    auction.refresh_from_db()
    assert (auction.leader, auction.current_price_stars) == (bidder, 11)
    page = response.content
    assert "You are the highest bidder at 11 ⭐." in page.decode()
    assert text(page, "own-max") == "Your maximum: 300 ⭐ (only you see it)"
    assert text(page, "own-hold") == "Held for this auction: 300 ⭐"


def test_a_maximum_below_the_minimum_is_refused_with_the_minimum(client):
    auction = AuctionFactory(starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(100), amount=40)

    response = logged_in(client, funded_user(500)).post(
        bid_url(auction, "max"), {"max_amount": "30"}
    )

    assert text(response.content, "bid-errors") == "The minimum bid is 41 stars."


def test_the_leader_raises_their_maximum(client):
    auction = AuctionFactory(starting_price_stars=10)
    leader = funded_user(500)
    bid_place(auction=auction, bidder=leader, amount=10, max_amount=100)

    response = logged_in(client, leader).post(
        bid_url(auction, "max"), {"max_amount": "250"}, follow=True
    )

    auction.refresh_from_db()
    assert auction.leader_max_stars == 250
    assert "Your maximum is now 250 ⭐." in response.content.decode()


def test_the_leader_cannot_bid_against_themselves(client):
    auction = AuctionFactory(starting_price_stars=10)
    leader = funded_user(500)
    bid_place(auction=auction, bidder=leader, amount=10)

    response = logged_in(client, leader).post(bid_url(auction), {"amount": "20"})

    assert text(response.content, "bid-errors") == (
        "You are already the highest bidder. To bid more, set a higher maximum."
    )


def test_the_seller_closes_a_perpetual_auction_early(client):
    seller = UserFactory()
    auction = AuctionFactory(perpetual=True, seller=seller, starting_price_stars=10)
    buyer = funded_user(100)
    bid_place(auction=auction, bidder=buyer, amount=15)

    response = logged_in(client, seller).post(bid_url(auction, "close"), follow=True)

    auction.refresh_from_db()
    assert (auction.status, auction.winner) == (Auction.Status.FINISHED, buyer)
    assert "The auction is closed: sold for 15 ⭐." in response.content.decode()


def test_someone_else_cannot_close_the_auction(client):
    auction = AuctionFactory(perpetual=True, starting_price_stars=10)
    bid_place(auction=auction, bidder=funded_user(100), amount=15)

    response = logged_in(client, funded_user(100)).post(bid_url(auction, "close"))

    assert text(response.content, "bid-errors") == (
        "Only the seller can close this auction."
    )


def test_an_htmx_bid_answers_with_the_live_part_of_the_page(client):
    auction = AuctionFactory(starting_price_stars=10)
    bidder = funded_user(100)

    response = logged_in(client, bidder).post(
        bid_url(auction), {"amount": "12"}, **HTMX
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert text(page, "auction-price") == "12 ⭐"
    assert text(page, "bid-notice") == "You are the highest bidder at 12 ⭐."
    assert 'id="bid-history" data-testid="bid-history" hx-swap-oob="true"' in page
    # The menu balance follows: 12 of the 100 stars are held now.
    assert (
        '<span id="nav-balance" class="badge text-bg-warning" hx-swap-oob="true">88 ⭐'
        in (page)
    )


def test_an_htmx_bid_that_is_refused_shows_the_error_in_the_swapped_part(client):
    auction = AuctionFactory(starting_price_stars=10)

    response = logged_in(client, funded_user(100)).post(
        bid_url(auction), {"amount": "5"}, **HTMX
    )

    assert response.status_code == 200  # htmx swaps only successful answers
    assert text(response.content, "bid-errors") == "The minimum bid is 10 stars."
    assert 'value="5"' in response.content.decode()  # what they typed stays


def test_a_visitor_who_bids_is_sent_to_log_in_and_back_to_the_auction(client):
    auction = AuctionFactory()

    response = client.post(bid_url(auction), {"amount": "10"})

    assert response.status_code == 302
    assert response.url == f"/login?next=/auction/{auction.uuid}"
    assert not Bid.objects.exists()


def test_a_visitor_using_htmx_is_redirected_by_the_browser(client):
    auction = AuctionFactory()

    response = client.post(bid_url(auction, "watch"), **HTMX)

    assert response["HX-Redirect"] == f"/login?next=/auction/{auction.uuid}"
    assert not Watch.objects.exists()


def test_a_bid_without_the_csrf_token_is_refused():
    auction = AuctionFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(funded_user(100))

    response = client.post(bid_url(auction), {"amount": "10"})

    assert response.status_code == 403
    assert not Bid.objects.exists()


def test_bids_only_take_posts(client):
    auction = AuctionFactory()

    response = logged_in(client, funded_user(100)).get(bid_url(auction))

    assert response.status_code == 405


def test_too_many_bids_in_a_short_time_are_refused(client, monkeypatch):
    monkeypatch.setattr(bidding, "BID_RATE_LIMIT", 3)
    auction = AuctionFactory(starting_price_stars=10)
    logged_in(client, funded_user(500))
    for amount in (10, 20, 30):  # the second and third raise... their own lead
        client.post(bid_url(auction, "max"), {"max_amount": str(amount + 100)})

    response = client.post(bid_url(auction, "max"), {"max_amount": "400"})

    assert response.status_code == 429
    assert text(response.content, "bid-errors") == (
        "You are bidding too fast. Please wait a few seconds and try again."
    )
    auction.refresh_from_db()
    assert auction.leader_max_stars == 130


def test_the_rate_limit_is_per_bidder(client, monkeypatch):
    monkeypatch.setattr(bidding, "BID_RATE_LIMIT", 1)
    auction = AuctionFactory(starting_price_stars=10)
    logged_in(client, funded_user(500)).post(bid_url(auction), {"amount": "10"})
    other = logged_in(Client(), funded_user(500))

    response = other.post(bid_url(auction), {"amount": "20"})

    assert response.status_code == 302
    assert Bid.objects.filter(amount=20).exists()


def test_watching_and_unwatching_with_htmx_swaps_only_the_button(client):
    auction = AuctionFactory()
    user = UserFactory()
    logged_in(client, user)

    watched = client.post(bid_url(auction, "watch"), **HTMX)

    assert "<html" not in watched.content.decode()
    assert text(watched.content, "watch-button") == "★ Watching"
    assert f'hx-post="/auction/{auction.uuid}/unwatch"' in watched.content.decode()
    assert Watch.objects.filter(user=user, auction=auction).exists()

    unwatched = client.post(bid_url(auction, "unwatch"), **HTMX)

    assert text(unwatched.content, "watch-button") == "☆ Watch"
    assert not Watch.objects.exists()


def test_watching_without_javascript_redirects_back_with_a_message(client):
    auction = AuctionFactory()
    logged_in(client, UserFactory())

    response = client.post(bid_url(auction, "watch"), follow=True)

    assert "Added to your watchlist." in response.content.decode()
    assert text(response.content, "watch-button") == "★ Watching"


def test_the_page_shows_a_watched_auction_as_watched(client):
    watch = WatchFactory()

    page = logged_in(client, watch.user).get(f"/auction/{watch.auction.uuid}").content

    assert text(page, "watch-button") == "★ Watching"
