"""The auction notification kinds: each renders in every language, carries the
web link and a button to it, and refuses a payload that does not fit."""

from __future__ import annotations

import uuid

import pytest

from accounts.notifications import NotificationRenderError, notification_render
from accounts.tests.factories import UserFactory

AUCTION = str(uuid.UUID(int=7))
BASE = {"auction": AUCTION, "title": "Old clock"}

SAMPLE_PAYLOADS = {
    "auction_outbid": BASE | {"price": 120, "next_bid": 125},
    "auction_new_bid": BASE | {"price": 120, "bids": 3},
    "auction_extended": BASE
    | {
        "ends_at": "2030-03-01T12:05:00+00:00",
        "extensions_left": 9,
        "max_extensions": 10,
    },
    "auction_won": BASE | {"price": 120},
    "auction_lost": BASE | {"price": 120},
    "auction_sold": BASE | {"price": 120, "proceeds": 114},
    "auction_no_winner": BASE,
    "auction_reserve_not_met": BASE | {"role": "seller"},
    "auction_ended": BASE | {"sold": True, "price": 120},
}


def render(kind: str, payload: dict, language: str = "en"):
    return notification_render(
        kind=kind, payload=payload, recipient=UserFactory.build(language=language)
    )


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
@pytest.mark.parametrize("kind", sorted(SAMPLE_PAYLOADS))
def test_every_auction_kind_renders_with_the_link_and_a_button(
    kind, language, settings
):
    settings.BASE_URL = "https://auction.example"
    message = render(kind, SAMPLE_PAYLOADS[kind], language)
    link = f"https://auction.example/auction/{AUCTION}"
    assert "Old clock" in message.text
    assert message.text.endswith(link)
    # The web page is the last button (an outbid message has the bot's first).
    button = message.reply_markup["inline_keyboard"][-1][-1]
    assert button["url"] == link


def test_an_outbid_message_tells_the_new_price_and_the_bid_to_lead_again():
    text = render("auction_outbid", SAMPLE_PAYLOADS["auction_outbid"]).text
    assert "the price is now 120 stars" in text
    assert "Bid 125 stars or more" in text


def test_the_extension_message_counts_the_extensions_left():
    text = render("auction_extended", SAMPLE_PAYLOADS["auction_extended"]).text
    assert "extensions left: 9 of 10" in text


def test_one_star_is_singular():
    text = render("auction_won", BASE | {"price": 1}).text
    assert "for 1 star." in text


def test_a_sealed_bid_notice_has_no_price():
    text = render("auction_new_bid", BASE | {"bids": 2}).text
    assert "sealed bid" in text and "2 bids" in text


def test_the_bidders_reserve_notice_differs_from_the_sellers():
    seller = render("auction_reserve_not_met", BASE | {"role": "seller"}).text
    bidder = render("auction_reserve_not_met", BASE | {"role": "bidder"}).text
    assert "your reserve" in seller and "held stars" in bidder


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (
            "auction_outbid",
            {"auction": "nope", "title": "x", "price": 1, "next_bid": 2},
        ),
        ("auction_won", {"auction": AUCTION, "title": "x"}),
        ("auction_extended", BASE | {"ends_at": "soon"}),
    ],
)
def test_a_payload_that_does_not_fit_is_refused(kind, payload):
    with pytest.raises(NotificationRenderError):
        render(kind, payload)
