from __future__ import annotations

import uuid

import pytest

from telegrambot.deeplinks import (
    AuctionLink,
    BuyLink,
    deep_link_parse,
    deep_link_payload,
)

AUCTION = uuid.UUID("0b6f3a52-7c1e-4d43-9a55-2d1f0c7e9b10")


def test_an_auction_link_parses_in_hex_or_hyphenated_form():
    assert deep_link_parse(f"auction_{AUCTION.hex}") == AuctionLink(AUCTION)
    assert deep_link_parse(f"auction_{AUCTION}") == AuctionLink(AUCTION)
    assert deep_link_parse(f"auction_{AUCTION.hex.upper()}") == AuctionLink(AUCTION)


@pytest.mark.parametrize("stars", [1, 250, 10_000])
def test_a_buy_link_carries_a_number_of_stars(stars):
    assert deep_link_parse(f"buy_{stars}") == BuyLink(stars)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "buy_0",
        "buy_10001",
        "buy_007",
        "buy_-5",
        "buy_5x",
        "buy_",
        "auction_",
        "auction_123",
        f"auction_{AUCTION.hex}0",
        "auction_" + "-" * 36,
        f"bid_{AUCTION.hex}",
        "x" * 65,
    ],
)
def test_anything_else_is_not_a_deep_link(payload):
    assert deep_link_parse(payload) is None


def test_a_link_payload_parses_back_and_fits_telegram_limits():
    for link in (AuctionLink(AUCTION), BuyLink(10_000)):
        payload = deep_link_payload(link)
        assert len(payload) <= 64
        assert deep_link_parse(payload) == link
