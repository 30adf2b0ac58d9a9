"""Bidding in the bot, through the fake Bot API: the Bid buttons, typed amounts and
maxima, Dutch accept and buy-it-now, the refusals, a double tap, and the outbid
notification with its buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.services_notifications import notification_deliver_one
from auctions.models import Auction, Bid
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory
from payments.selectors import ledger_discrepancies
from payments.tests.factories import funded_user
from telegrambot.tests.cards import (
    data_of,
    edited,
    labels,
    open_card,
    press,
    press_on,
    text_of,
)
from telegrambot.tests.conftest import button_rows
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)


def bids_of(user) -> list[tuple[int, bool]]:
    return list(
        Bid.objects.filter(bidder=user)
        .order_by("created_at", "pk")
        .values_list("amount", "is_automatic")
    )


def ask(bot, tg: TgUser, card, label: str):
    """Press a button that asks a question; return the question."""
    mark, _answer = press_on(bot, tg, card, data_of(card, label))
    return bot.reply_to(tg, after=mark)


def test_pressing_bid_places_the_bid_and_redraws_the_card(bot):
    user = funded_user(500, telegram_id=4001, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=4001)
    card = open_card(bot, tg, auction)

    mark, answer = press_on(bot, tg, card, data_of(card, "Bid 10 ⭐"))

    assert answer.params["text"] == ("Bid placed: you are the highest bidder at 10 ⭐.")
    fresh = edited(bot, tg, after=mark)
    assert "You are the highest bidder (your maximum: 10 ⭐)." in fresh.params["text"]
    assert "Held for this auction: 10 ⭐" in fresh.params["text"]
    assert labels(fresh)[0] == ["🤖 Raise maximum"]
    assert bids_of(user) == [(10, False)]
    auction.refresh_from_db()
    assert (auction.leader_id, auction.current_price_stars) == (user.pk, 10)
    user.refresh_from_db()
    assert (user.stars_balance, user.stars_held) == (490, 10)


def test_plus_two_increments_bids_exactly_what_the_button_said(bot):
    user = funded_user(500, telegram_id=4002, language="en")
    auction = AuctionFactory()
    bid_place(auction=auction, bidder=funded_user(500), amount=10)
    tg = TgUser(id=4002)
    card = open_card(bot, tg, auction)

    press_on(bot, tg, card, data_of(card, "+2 increments: 12 ⭐"))

    assert bids_of(user) == [(12, False)]


def test_a_stale_bid_button_below_the_new_minimum_shows_the_updated_card(bot):
    user = funded_user(500, telegram_id=4003, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=4003)
    card = open_card(bot, tg, auction)
    bid_place(auction=auction, bidder=funded_user(500), amount=30)

    mark, answer = press_on(bot, tg, card, data_of(card, "Bid 10 ⭐"))

    assert answer.params["text"] == "The price has changed; here is the updated card."
    fresh = edited(bot, tg, after=mark)
    assert "Current price: 30 ⭐" in fresh.params["text"]
    assert labels(fresh)[0] == ["Bid 31 ⭐", "+2 increments: 32 ⭐"]
    assert bids_of(user) == []  # nothing bid on the user's behalf


def test_a_double_tap_places_one_bid(bot):
    user = funded_user(500, telegram_id=4004, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=4004)
    card = open_card(bot, tg, auction)
    data = data_of(card, "Bid 10 ⭐")
    mark = bot.api.mark()

    first = bot.api.press_button(tg, data)
    second = bot.api.press_button(tg, data)

    answers = [
        bot.api.wait_for(
            "answerCallbackQuery",
            lambda p, update=update: (
                p["callback_query_id"] == update["callback_query"]["id"]
            ),
            after=mark,
        ).params["text"]
        for update in (first, second)
    ]
    assert answers == [
        "Bid placed: you are the highest bidder at 10 ⭐.",
        "You are already the highest bidder. To bid more, set a higher maximum.",
    ]
    assert bids_of(user) == [(10, False)]
    user.refresh_from_db()
    assert user.stars_held == 10
    assert ledger_discrepancies() == []


def test_a_custom_amount_is_asked_checked_and_bid(bot):
    user = funded_user(500, telegram_id=4005, language="en")
    auction = AuctionFactory(title="Old clock")
    tg = TgUser(id=4005)
    card = open_card(bot, tg, auction)
    question = (
        "How many stars do you bid on “Old clock”? Send a whole number, at least "
        "10, or /cancel."
    )

    assert ask(bot, tg, card, "✏️ Custom amount").params["text"] == question
    assert bot.send(tg, "abc").params["text"] == (
        f"That is not a whole number of stars.\n{question}"
    )
    assert bot.send(tg, "0").params["text"] == (
        f"The amount must be a positive number of stars.\n{question}"
    )
    assert bot.send(tg, "-1").params["text"] == (
        f"The amount must be a positive number of stars.\n{question}"
    )
    assert bot.send(tg, "9").params["text"] == (
        f"The minimum bid is 10 stars.\n{question}"
    )
    assert bids_of(user) == []

    placed = bot.send(tg, "25 ⭐")

    assert placed.params["text"].startswith(
        "Bid placed: you are the highest bidder at 25 ⭐.\n\n🔨 Old clock"
    )
    assert bids_of(user) == [(25, False)]
    # The question is over: a number now is just text.
    assert bot.send(tg, "30").params["text"].startswith("I did not understand")


def test_cancel_leaves_the_custom_amount_question(bot):
    user = funded_user(500, telegram_id=4006, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=4006)
    ask(bot, tg, open_card(bot, tg, auction), "✏️ Custom amount")

    assert bot.send(tg, "/cancel").params["text"] == "Cancelled."
    assert bot.send(tg, "20").params["text"].startswith("I did not understand")
    assert bids_of(user) == []


def test_setting_a_maximum_makes_a_proxy_bid(bot):
    user = funded_user(500, telegram_id=4007, language="en")
    auction = AuctionFactory(title="Lamp")
    tg = TgUser(id=4007)
    card = open_card(bot, tg, auction)

    question = ask(bot, tg, card, "🤖 Set maximum")
    assert question.params["text"].startswith("The most you would pay for “Lamp”?")
    assert "at least 10" in question.params["text"]
    assert (
        bot.send(tg, "5")
        .params["text"]
        .startswith("Your maximum must be at least your bid of 10 stars.")
    )
    placed = bot.send(tg, "50")

    assert placed.params["text"].startswith(
        "Your maximum is 50 ⭐: you lead at 10 ⭐, and we bid for you only as much "
        "as needed."
    )
    auction.refresh_from_db()
    assert (auction.leader_id, auction.leader_max_stars) == (user.pk, 50)
    user.refresh_from_db()
    assert user.stars_held == 50

    # Someone else bids: the proxy answers for the user, up to 50.
    bid_place(auction=auction, bidder=funded_user(500), amount=20)
    auction.refresh_from_db()
    assert (auction.leader_id, auction.current_price_stars) == (user.pk, 21)
    assert bids_of(user)[-1] == (21, True)


def test_the_leader_raises_their_maximum(bot):
    user = funded_user(500, telegram_id=4008, language="en")
    auction = AuctionFactory(title="Lamp")
    bid_place(auction=auction, bidder=user, amount=10, max_amount=40)
    tg = TgUser(id=4008)
    card = open_card(bot, tg, auction)

    question = ask(bot, tg, card, "🤖 Raise maximum")
    assert question.params["text"] == (
        "Your maximum for “Lamp” is 40 ⭐. Send a higher one, or /cancel."
    )
    assert (
        bot.send(tg, "40")
        .params["text"]
        .startswith("Your maximum is already 40 stars; a new one must be higher.")
    )
    bot.send(tg, "90")

    auction.refresh_from_db()
    assert (auction.leader_max_stars, auction.current_price_stars) == (90, 10)


def test_too_few_stars_says_so_and_offers_to_buy(bot):
    user = funded_user(5, telegram_id=4009, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=4009)
    card = open_card(bot, tg, auction)

    mark, _answer = press_on(bot, tg, card, data_of(card, "Bid 10 ⭐"))

    reply = bot.reply_to(tg, after=mark)
    assert reply.params["text"] == "Not enough stars: 5 available, 10 needed."
    assert button_rows(reply) == [
        [{"text": "➕ Buy stars", "callback_data": "v1:menu:buy"}]
    ]
    assert bids_of(user) == []


def test_too_few_stars_for_a_typed_maximum_ends_the_question(bot):
    user = funded_user(30, telegram_id=4010, language="en")
    auction = AuctionFactory()
    tg = TgUser(id=4010)
    ask(bot, tg, open_card(bot, tg, auction), "🤖 Set maximum")

    reply = bot.send(tg, "100")

    assert reply.params["text"] == "Not enough stars: 30 available, 100 needed."
    assert labels(reply) == [["➕ Buy stars"]]
    assert bids_of(user) == []
    assert bot.send(tg, "20").params["text"].startswith("I did not understand")


def test_bidding_on_ones_own_auction_is_refused(bot):
    seller = funded_user(500, telegram_id=4011, language="en")
    auction = AuctionFactory(seller=seller)

    mark, answer = press(bot, TgUser(id=4011), f"v1:auc:bid:{auction.uuid.hex}:10")

    assert answer.params["text"] == "You cannot bid on your own auction."
    assert answer.params["show_alert"] in (True, "true", "True")
    assert not Bid.objects.exists()


def test_a_typed_bid_on_ones_own_auction_is_not_even_asked(bot):
    seller = funded_user(500, telegram_id=4012, language="en")
    auction = AuctionFactory(seller=seller)

    mark, _answer = press(bot, TgUser(id=4012), f"v1:auc:custom:{auction.uuid.hex}")

    reply = bot.reply_to(TgUser(id=4012), after=mark)
    assert reply.params["text"] == "You cannot bid on this auction."


def test_bidding_on_an_ended_auction_is_refused(bot):
    user = funded_user(500, telegram_id=4013, language="en")
    tg = TgUser(id=4013)
    auction = AuctionFactory(ends_at=timezone.now() + timedelta(seconds=2))
    card = open_card(bot, tg, auction)
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )

    mark, answer = press_on(bot, tg, card, data_of(card, "Bid 10 ⭐"))

    assert answer.params["text"] == "This auction has ended."
    fresh = edited(bot, tg, after=mark)
    assert "Bid" not in " ".join(sum(labels(fresh), []))
    assert bids_of(user) == []


def test_a_dutch_price_is_accepted_at_the_price_on_the_button(bot):
    user = funded_user(500, telegram_id=4014, language="en")
    auction = AuctionFactory(
        dutch=True, title="Rug", starts_at=timezone.now() - timedelta(minutes=15)
    )
    tg = TgUser(id=4014)
    card = open_card(bot, tg, auction)

    mark, answer = press_on(bot, tg, card, data_of(card, "Accept at 90 ⭐"))

    assert answer.params["text"] == "It is yours: you bought “Rug” for 90 ⭐."
    fresh = edited(bot, tg, after=mark)
    assert "You won this auction for 90 ⭐." in fresh.params["text"]
    auction.refresh_from_db()
    assert (auction.status, auction.winner_id) == ("finished", user.pk)
    assert auction.final_price_stars == 90
    assert ledger_discrepancies() == []


def test_a_second_dutch_accept_is_told_someone_was_first(bot):
    funded_user(500, telegram_id=4015, language="en")
    auction = AuctionFactory(dutch=True)
    tg = TgUser(id=4015)
    card = open_card(bot, tg, auction)
    bid_place(auction=auction, bidder=funded_user(500), amount=100)

    _mark, answer = press_on(bot, tg, card, data_of(card, "Accept at 100 ⭐"))

    assert answer.params["text"] == (
        "Someone else accepted the price first; this auction has ended."
    )


def test_buy_now_buys_at_the_price_on_the_button(bot):
    user = funded_user(500, telegram_id=4016, language="en")
    auction = AuctionFactory(title="Bike", buy_now_price_stars=80)
    tg = TgUser(id=4016)
    card = open_card(bot, tg, auction)

    _mark, answer = press_on(bot, tg, card, data_of(card, "Buy now 80 ⭐"))

    assert answer.params["text"] == "It is yours: you bought “Bike” for 80 ⭐."
    auction.refresh_from_db()
    assert (auction.winner_id, auction.final_price_stars) == (user.pk, 80)


def test_buy_now_at_a_price_the_seller_changed_shows_the_updated_card(bot):
    user = funded_user(500, telegram_id=4017, language="en")
    auction = AuctionFactory(buy_now_price_stars=80)
    tg = TgUser(id=4017)
    card = open_card(bot, tg, auction)
    Auction.objects.filter(pk=auction.pk).update(buy_now_price_stars=95)

    mark, answer = press_on(bot, tg, card, data_of(card, "Buy now 80 ⭐"))

    assert answer.params["text"] == "The price has changed; here is the updated card."
    assert "Buy now 95 ⭐" in sum(labels(edited(bot, tg, after=mark)), [])
    assert bids_of(user) == []


def test_a_sealed_bid_is_typed_and_can_only_be_raised(bot):
    user = funded_user(500, telegram_id=4018, language="en")
    auction = AuctionFactory(sealed=True, starting_price_stars=20, title="Ring")
    tg = TgUser(id=4018)
    card = open_card(bot, tg, auction)

    mark, _answer = press_on(bot, tg, card, data_of(card, "Bid 20 ⭐"))
    assert bids_of(user) == [(20, False)]
    fresh = edited(bot, tg, after=mark)
    assert "Your sealed bid: 20 ⭐" in fresh.params["text"]

    question = ask(bot, tg, fresh, "✏️ Custom amount")
    assert "at least 21" in question.params["text"]
    assert (
        bot.send(tg, "20")
        .params["text"]
        .startswith(
            "A sealed bid can only be raised: your bid is 20 stars, bid more than that."
        )
    )
    placed = bot.send(tg, "35")
    assert placed.params["text"].startswith("Your sealed bid of 35 ⭐ is placed.")
    assert bids_of(user) == [(20, False), (35, False)]


def test_an_outbid_notification_carries_the_bid_and_card_buttons(bot):
    alice = funded_user(500, telegram_id=4019, language="en")
    bob = funded_user(500, telegram_id=4020, language="en")
    auction = AuctionFactory(title="Old clock")
    alice_tg, bob_tg = TgUser(id=4019), TgUser(id=4020)
    alice_card = open_card(bot, alice_tg, auction)
    press_on(bot, alice_tg, alice_card, data_of(alice_card, "Bid 10 ⭐"))
    bob_card = open_card(bot, bob_tg, auction)
    press_on(bot, bob_tg, bob_card, data_of(bob_card, "+2 increments: 12 ⭐"))

    outbid = Notification.objects.get(recipient=alice, kind="auction_outbid")
    mark = bot.api.mark()
    notification_deliver_one(notification_id=outbid.pk)

    message = bot.reply_to(alice_tg, after=mark)
    assert message.params["text"].startswith(
        "You have been outbid on “Old clock”: the price is now 12 stars. "
        "Bid 13 stars or more to lead again."
    )
    hex_ = auction.uuid.hex
    assert button_rows(message) == [
        [
            {"text": "Bid 13 ⭐", "callback_data": f"v1:auc:bid:{hex_}:13"},
            {"text": "🔨 Open the auction", "callback_data": f"v1:auc:open:{hex_}"},
        ]
    ]

    # Bidding from the notification: the bid is placed and the card comes as a
    # new message; the notification itself is left as it is.
    mark, answer = press(bot, alice_tg, f"v1:auc:bid:{hex_}:13")
    assert answer.params["text"] == "Bid placed: you are the highest bidder at 13 ⭐."
    card = bot.reply_to(alice_tg, after=mark)
    assert text_of(card).startswith("Bid placed: you are the highest bidder at 13 ⭐.")
    assert all(
        int(call.params["message_id"]) != 777
        for call in bot.api.calls_to("editMessageText")
    )
    assert bids_of(alice) == [(10, False), (13, False)]
    assert bids_of(bob) == [(12, False)]
    assert ledger_discrepancies() == []


def test_the_card_speaks_the_users_language(bot):
    funded_user(500, telegram_id=4021, language="ru")
    auction = AuctionFactory()

    card = open_card(bot, TgUser(id=4021, language_code="ru"), auction)

    # Texts not yet translated fall back to English, but Django's own words
    # (the time left) are Russian already.
    assert "час" in card.params["text"]
