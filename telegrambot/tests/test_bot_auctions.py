"""Auctions in the bot, through the fake Bot API: the card opened by a deep link,
/auctions paging in one message, watching, and buttons that are out of date."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.notifications import notification_render
from accounts.tests.factories import UserFactory
from auctions.models import AuctionImage, Bid, Watch
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory
from auctions.tests.picture_files import image_bytes
from payments.tests.factories import funded_user
from telegrambot import callback_data
from telegrambot.tests.cards import (
    data_of,
    edited,
    labels,
    open_card,
    press,
    press_on,
)
from telegrambot.tests.conftest import button_rows
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def with_picture(auction):
    picture = image_bytes(size=(32, 24))
    AuctionImage.objects.create(
        auction=auction,
        image=ContentFile(picture, name="big.jpg"),
        thumbnail=ContentFile(picture, name="thumb.jpg"),
    )
    return auction


def test_a_deep_link_opens_the_card_with_its_buttons(bot):
    UserFactory(telegram_id=3001, language="en")
    auction = AuctionFactory(
        title="Old clock", seller__first_name="Sam", seller__last_name=""
    )

    card = open_card(bot, TgUser(id=3001), auction)

    text = card.params["text"]
    assert text.startswith("🔨 Old clock\nA fine thing.\n\n")
    assert "Type: English (ascending)" in text
    assert "Starting price: 10 ⭐" in text
    assert "0 bids" in text
    assert "Ends in 23\xa0hours" in text
    assert "Extensions left: 10 of 10" in text
    assert labels(card) == [
        ["Bid 10 ⭐", "+2 increments: 11 ⭐"],
        ["✏️ Custom amount", "🤖 Set maximum"],
        ["👁 Watch", "🔄 Refresh"],
    ]
    hex_ = auction.uuid.hex
    assert data_of(card, "Bid 10 ⭐") == f"v1:auc:bid:{hex_}:10"
    assert data_of(card, "+2 increments: 11 ⭐") == f"v1:auc:bid:{hex_}:11"
    # BASE_URL is http://127.0.0.1 in the tests: no web button Telegram would refuse.
    assert all("url" not in b for row in button_rows(card) for b in row)


def test_the_card_shows_the_leader_the_price_and_the_reserve(bot):
    viewer = funded_user(500, telegram_id=3002, language="en")
    auction = AuctionFactory(reserve_price_stars=50, buy_now_price_stars=80)
    other = funded_user(500)
    bid_place(auction=auction, bidder=other, amount=10)
    bid_place(auction=auction, bidder=viewer, amount=20, max_amount=30)

    card = open_card(bot, TgUser(id=3002), auction)

    text = card.params["text"]
    assert "Current price: 20 ⭐\nNext bid from 21 ⭐" in text
    assert "Buy it now" not in text  # only until the first bid
    assert "2 bids" in text
    assert "Reserve price: not met yet" in text
    assert "You are the highest bidder (your maximum: 30 ⭐)." in text
    assert "Held for this auction: 30 ⭐" in text
    # The leader can only raise their maximum.
    assert labels(card)[0] == ["🤖 Raise maximum"]


def test_an_outbid_viewer_is_told_so(bot):
    viewer = funded_user(500, telegram_id=3003, language="en")
    auction = AuctionFactory()
    bid_place(auction=auction, bidder=viewer, amount=10)
    bid_place(auction=auction, bidder=funded_user(500), amount=20)

    card = open_card(bot, TgUser(id=3003), auction)

    assert "You have been outbid." in card.params["text"]
    assert labels(card)[0] == ["Bid 21 ⭐", "+2 increments: 22 ⭐"]


def test_a_buy_now_price_is_offered_until_the_first_bid(bot):
    UserFactory(telegram_id=3004, language="en")
    auction = AuctionFactory(buy_now_price_stars=80)

    card = open_card(bot, TgUser(id=3004), auction)

    assert "Buy it now: 80 ⭐ (until the first bid)" in card.params["text"]
    assert data_of(card, "Buy now 80 ⭐") == f"v1:auc:buynow:{auction.uuid.hex}:80"


def test_a_sealed_card_hides_the_bids(bot):
    viewer = funded_user(500, telegram_id=3005, language="en")
    auction = AuctionFactory(sealed=True, starting_price_stars=25)
    bid_place(auction=auction, bidder=funded_user(500), amount=90)
    bid_place(auction=auction, bidder=viewer, amount=40)

    card = open_card(bot, TgUser(id=3005), auction)

    text = card.params["text"]
    assert "Bids are sealed until the end. Minimum bid: 25 ⭐" in text
    assert "90" not in text
    assert "Your sealed bid: 40 ⭐" in text
    assert labels(card)[0] == ["✏️ Custom amount"]  # raised by typing; no maximum


def test_a_dutch_card_shows_the_price_of_this_moment(bot):
    UserFactory(telegram_id=3006, language="en")
    auction = AuctionFactory(
        dutch=True, starts_at=timezone.now() - timedelta(minutes=25)
    )

    card = open_card(bot, TgUser(id=3006), auction)

    assert "Price now: 80 ⭐" in card.params["text"]  # 100, less 10 twice
    assert labels(card)[0] == ["Accept at 80 ⭐"]


def test_the_seller_sees_their_own_auction_without_bid_buttons(bot):
    seller = UserFactory(telegram_id=3007, language="en")
    auction = AuctionFactory(seller=seller)

    card = open_card(bot, TgUser(id=3007), auction)

    assert "This is your auction." in card.params["text"]
    assert labels(card) == [["🔄 Refresh"]]


def test_an_ended_auction_shows_how_it_ended(bot):
    UserFactory(telegram_id=3008, language="en")
    auction = AuctionFactory(
        status="finished", close_outcome="sold", final_price_stars=42
    )

    card = open_card(bot, TgUser(id=3008), auction)

    assert "This auction has ended: sold for 42 ⭐." in card.params["text"]
    assert labels(card) == [["🔄 Refresh"]]


def test_the_card_with_a_picture_uploads_it_then_reuses_telegrams_copy(bot):
    UserFactory(telegram_id=3009, language="en")
    auction = with_picture(AuctionFactory(title="Vase"))

    first = open_card(bot, TgUser(id=3009), auction, method="sendPhoto")
    second = open_card(bot, TgUser(id=3009), auction, method="sendPhoto")

    # Telegram cannot fetch http://127.0.0.1: the bytes are uploaded.
    assert first.params["_multipart"] is True
    assert first.params["photo"]["size"] > 0
    assert first.params["caption"].startswith("🔨 Vase")
    assert labels(first)[0] == ["Bid 10 ⭐", "+2 increments: 11 ⭐"]
    # The file_id Telegram answered with is sent the second time.
    assert second.params["photo"] == "photo"
    assert "_multipart" not in second.params


def test_on_a_public_site_the_picture_goes_by_url_and_the_web_opens(bot, settings):
    settings.BASE_URL = "https://auction.example.com"
    UserFactory(telegram_id=3010, language="en")
    auction = with_picture(AuctionFactory())

    card = open_card(bot, TgUser(id=3010), auction, method="sendPhoto")

    assert card.params["photo"].startswith("https://auction.example.com/media/")
    assert button_rows(card)[-1] == [
        {
            "text": "🌐 Open on the web",
            "url": f"https://auction.example.com/auction/{auction.uuid}",
        }
    ]


def test_a_picture_telegram_cannot_fetch_is_uploaded_instead(bot, settings):
    settings.BASE_URL = "https://auction.example.com"
    UserFactory(telegram_id=3011, language="en")
    auction = with_picture(AuctionFactory())
    bot.api.fail_next(
        "sendPhoto",
        error_code=400,
        description="Bad Request: wrong file identifier/HTTP URL specified",
    )

    mark = bot.api.mark()
    bot.api.send_text(TgUser(id=3011), f"/start auction_{auction.uuid.hex}")
    bot.api.wait_for("sendPhoto", lambda params: params.get("_multipart"), after=mark)


def test_a_link_to_an_unknown_auction_greets_and_says_so(bot):
    reply = bot.send(
        TgUser(id=3012, first_name="Ann"),
        "/start auction_0b6f3a527c1e4d439a552d1f0c7e9b10",
    )

    assert reply.params["text"].startswith("Hello, Ann!")
    assert reply.params["text"].endswith(
        "This auction was not found: the link may be out of date."
    )


def test_a_draft_is_not_opened_by_its_link(bot):
    auction = AuctionFactory(status="draft")

    reply = bot.send(TgUser(id=3013), f"/start auction_{auction.uuid.hex}")

    assert "This auction was not found" in reply.params["text"]


def test_auctions_lists_five_ending_soonest_and_pages_in_the_same_message(bot):
    now = timezone.now()
    for hours in (9, 3, 7, 1, 5, 2, 8):
        AuctionFactory(title=f"Ends in {hours}h", ends_at=now + timedelta(hours=hours))
    AuctionFactory(title="Over", status="finished")
    AuctionFactory(title="Later", starts_at=now + timedelta(hours=1))
    user = TgUser(id=3014)

    first = bot.send(user, "/auctions")

    lines = first.params["text"].split("\n")
    assert lines[0] == "Active auctions, ending soonest first (page 1 of 2):"
    assert [line.split(" — ")[0] for line in lines[2:]] == [
        "1. Ends in 1h",
        "2. Ends in 2h",
        "3. Ends in 3h",
        "4. Ends in 5h",
        "5. Ends in 7h",
    ]
    assert labels(first)[-1] == ["Next ▶️"]

    mark, _answer = press_on(bot, user, first, data_of(first, "Next ▶️"))
    second = edited(bot, user, after=mark)
    assert second.params["text"].startswith(
        "Active auctions, ending soonest first (page 2 of 2):\n\n6. Ends in 8h"
    )
    assert labels(second) == [["6. Ends in 8h"], ["7. Ends in 9h"], ["◀️ Previous"]]

    mark, _answer = press_on(bot, user, second, data_of(second, "◀️ Previous"))
    assert edited(bot, user, after=mark).params["text"] == first.params["text"]
    assert len(bot.api.calls_to("sendMessage")) == 1  # one message, edited


def test_auctions_without_any_says_so(bot):
    reply = bot.send(TgUser(id=3015), "/auctions")

    assert reply.params["text"] == (
        "There are no active auctions right now. Look in again later!"
    )


def test_a_listed_auction_opens_as_a_card(bot):
    auction = AuctionFactory(title="Lamp")
    user = TgUser(id=3016)
    listing = bot.send(user, "/auctions")

    mark, _answer = press_on(bot, user, listing, data_of(listing, "1. Lamp"))

    card = bot.reply_to(user, after=mark)
    assert card.params["text"].startswith("🔨 Lamp")
    assert data_of(card, "🔄 Refresh").endswith(auction.uuid.hex)


def test_watch_and_unwatch_toggle_on_the_card(bot):
    user = UserFactory(telegram_id=3017, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=3017)
    card = open_card(bot, tg, auction)

    mark, answer = press_on(bot, tg, card, data_of(card, "👁 Watch"))
    watching = edited(bot, tg, after=mark)
    assert answer.params["text"].startswith("Added to your watchlist")
    assert Watch.objects.filter(user=user, auction=auction).exists()
    assert labels(watching)[-1] == ["🚫 Unwatch", "🔄 Refresh"]

    mark, answer = press_on(bot, tg, watching, data_of(watching, "🚫 Unwatch"))
    unwatched = edited(bot, tg, after=mark)
    assert answer.params["text"] == "Removed from your watchlist."
    assert not Watch.objects.filter(user=user, auction=auction).exists()
    assert labels(unwatched)[-1] == ["👁 Watch", "🔄 Refresh"]


def test_refresh_redraws_the_card_with_the_new_price(bot):
    UserFactory(telegram_id=3018, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=3018)
    card = open_card(bot, tg, auction)
    bid_place(auction=auction, bidder=funded_user(100), amount=15)

    mark, _answer = press_on(bot, tg, card, data_of(card, "🔄 Refresh"))

    fresh = edited(bot, tg, after=mark)
    assert "Current price: 15 ⭐" in fresh.params["text"]
    assert labels(fresh)[0] == ["Bid 16 ⭐", "+2 increments: 17 ⭐"]


def test_a_photo_card_is_refreshed_by_editing_its_caption(bot):
    UserFactory(telegram_id=3019, language="en")
    auction = with_picture(AuctionFactory())
    tg = TgUser(id=3019)
    card = open_card(bot, tg, auction, method="sendPhoto")

    mark, _answer = press_on(bot, tg, card, data_of(card, "🔄 Refresh"))

    caption = bot.api.wait_for("editMessageCaption", after=mark)
    assert caption.params["message_id"] in (555, "555")
    assert caption.params["caption"].startswith("🔨 ")
    assert caption.params["reply_markup"] == card.params["reply_markup"]
    assert not bot.api.calls_to("editMessageText")


@pytest.mark.parametrize(
    "data",
    [
        "v1:auc:bid:{hex}:abc",
        "v1:auc:bid:{hex}:0",
        "v1:auc:bid:{hex}",
        "v1:auc:bid:{hex}:10:10",
        "v2:auc:bid:{hex}:10",
        "v1:auc:bid:{HEX}:10",
        "v1:auc:bid:zz{hex}:10",
    ],
)
def test_a_tampered_button_is_refused_politely_and_bids_nothing(bot, data):
    funded_user(500, telegram_id=3020, language="en")
    auction = AuctionFactory()
    forged = data.format(hex=auction.uuid.hex, HEX=auction.uuid.hex.upper())

    _mark, answer = press(bot, TgUser(id=3020), forged)

    assert answer.params["text"] == (
        "This button is out of date. Send /start for a fresh menu."
    )
    assert not Bid.objects.exists()


def test_a_button_for_an_auction_that_is_gone_says_so(bot):
    funded_user(500, telegram_id=3021, language="en")

    _mark, answer = press(
        bot, TgUser(id=3021), "v1:auc:bid:0b6f3a527c1e4d439a552d1f0c7e9b10:10"
    )

    assert answer.params["text"] == (
        "This auction was not found: the link may be out of date."
    )
    assert not Bid.objects.exists()


def test_every_auction_button_fits_telegrams_64_bytes():
    hex_ = "f" * 32
    for button in (
        callback_data.AUCTION_BID,
        callback_data.AUCTION_ACCEPT,
        callback_data.AUCTION_BUY_NOW,
    ):
        data = callback_data.callback_data_encode(button, f"{hex_}:{10**12 - 1}")
        assert len(data.encode()) <= 64
        assert callback_data.callback_data_decode(data).arg == f"{hex_}:{10**12 - 1}"


def test_on_a_local_site_a_notification_opens_the_card_in_the_bot(settings):
    settings.BASE_URL = "http://127.0.0.1:8000"
    auction = uuid.uuid4()

    message = notification_render(
        kind="auction_won",
        payload={"auction": str(auction), "title": "Vase", "price": 5},
        recipient=UserFactory.build(language="en"),
    )

    # Telegram would refuse a URL button to 127.0.0.1, and the message with it.
    assert message.reply_markup == {
        "inline_keyboard": [
            [
                {
                    "text": "🔨 Open the auction",
                    "callback_data": f"v1:auc:open:{auction.hex}",
                }
            ]
        ]
    }


def test_an_outbid_notification_on_a_public_site_also_opens_the_web(settings):
    settings.BASE_URL = "https://auction.example.com"
    auction = uuid.uuid4()

    message = notification_render(
        kind="auction_outbid",
        payload={"auction": str(auction), "title": "Vase", "price": 5, "next_bid": 6},
        recipient=UserFactory.build(language="en"),
    )

    assert [
        [b["text"] for b in row] for row in message.reply_markup["inline_keyboard"]
    ] == [["Bid 6 ⭐", "🔨 Open the auction"], ["🌐 Open on the web"]]
    assert message.reply_markup["inline_keyboard"][0][0]["callback_data"] == (
        f"v1:auc:bid:{auction.hex}:6"
    )


def test_a_perpetual_card_explains_its_countdown_and_a_scheduled_one_its_start(bot):
    UserFactory(telegram_id=3022, language="en")
    perpetual = AuctionFactory(perpetual=True)
    scheduled = AuctionFactory(
        status="scheduled", starts_at=timezone.now() + timedelta(hours=2)
    )

    endless = open_card(bot, TgUser(id=3022), perpetual)
    later = open_card(bot, TgUser(id=3022), scheduled)

    assert (
        "unless someone bids: each bid restarts the countdown."
        in (endless.params["text"])
    )
    assert "Extensions left" not in endless.params["text"]
    assert "Starts in 1\xa0hour" in later.params["text"]
    assert labels(later) == [["👁 Watch", "🔄 Refresh"]]
