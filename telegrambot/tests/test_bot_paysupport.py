"""/paysupport through the fake Bot API: choosing the payment, describing the
problem, and the ticket staff then see."""

from __future__ import annotations

import pytest
from django.utils import formats, timezone, translation

from accounts.tests.factories import UserFactory
from payments.tests.factories import paid_payment
from support.models import Ticket
from telegrambot.tests.conftest import button_rows
from telegrambot.tests.fake_botapi import TgUser

pytestmark = pytest.mark.django_db(transaction=True)

ASK = (
    "Describe the problem in one message and our support team will look into it. "
    "Send /cancel to stop."
)


def english_day(moment) -> str:
    with translation.override("en"):
        return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def test_paysupport_opens_a_ticket_tied_to_the_chosen_payment(bot):
    user = UserFactory(telegram_id=1101, language="en")
    older = paid_payment(user=user, stars=100)
    newer = paid_payment(user=user, stars=250)
    alice = TgUser(id=1101)

    menu = bot.send(alice, "/paysupport")

    assert menu.params["text"] == (
        "Which payment is this about? Choose it below, or “Another problem”.\n"
        "Send /cancel to stop."
    )
    buttons = [
        (b["text"], b["callback_data"]) for row in button_rows(menu) for b in row
    ]
    day = english_day(newer.paid_at)
    assert buttons == [
        (f"{day} · 250 ⭐ · payment #{newer.pk}", f"v1:support:payment:{newer.pk}"),
        (f"{day} · 100 ⭐ · payment #{older.pk}", f"v1:support:payment:{older.pk}"),
        ("Another problem", "v1:support:other"),
    ]

    mark, _answer = bot.press(alice, f"v1:support:payment:{older.pk}")
    question = bot.reply_to(alice, after=mark)
    assert question.params["text"] == f"Payment #{older.pk}: 100 ⭐ on {day}.\n{ASK}"

    reply = bot.send(alice, "I was charged twice for these stars.")

    ticket = Ticket.objects.get()
    assert reply.params["text"] == (
        f"Thank you. Your request is ticket #{ticket.pk}; our support team will "
        "look into it."
    )
    assert (ticket.user, ticket.payment, ticket.category) == (user, older, "payment")
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.priority == Ticket.Priority.HIGH
    assert ticket.messages.get().body == "I was charged twice for these stars."
    # The conversation is over: the next text is not another ticket.
    assert bot.send(alice, "thanks").params["text"].startswith("I did not understand")
    assert Ticket.objects.count() == 1


def test_another_problem_opens_a_ticket_without_a_payment(bot):
    user = UserFactory(telegram_id=1102, language="en")
    paid_payment(user=user, stars=100)
    bob = TgUser(id=1102)
    bot.send(bob, "/paysupport")

    mark, _answer = bot.press(bob, "v1:support:other")
    assert bot.reply_to(bob, after=mark).params["text"] == ASK
    bot.send(bob, "I paid by card but got an error")

    ticket = Ticket.objects.get()
    assert (ticket.user, ticket.payment) == (user, None)
    assert ticket.subject == "I paid by card but got an error"


def test_a_user_without_payments_is_asked_to_describe_the_problem_at_once(bot):
    user = UserFactory(telegram_id=1103, language="en")
    carol = TgUser(id=1103)

    assert bot.send(carol, "/paysupport").params["text"] == ASK
    bot.send(carol, "My stars vanished")

    assert Ticket.objects.get().user == user


def test_text_instead_of_a_choice_asks_for_the_buttons(bot):
    user = UserFactory(telegram_id=1104, language="en")
    paid_payment(user=user, stars=100)
    dave = TgUser(id=1104)
    bot.send(dave, "/paysupport")

    reply = bot.send(dave, "help!")

    assert reply.params["text"] == (
        "Please choose with the buttons above, or send /cancel."
    )
    assert not Ticket.objects.exists()


def test_someone_elses_payment_cannot_be_chosen(bot):
    UserFactory(telegram_id=1105, language="en")
    foreign = paid_payment(user=UserFactory(), stars=500)
    eve = TgUser(id=1105)

    mark, _answer = bot.press(eve, f"v1:support:payment:{foreign.pk}")

    assert bot.reply_to(eve, after=mark).params["text"] == (
        "That payment was not found. Send /paysupport to start again."
    )
    assert (
        bot.send(eve, "give me those stars")
        .params["text"]
        .startswith("I did not understand")
    )
    assert not Ticket.objects.exists()


def test_cancel_leaves_without_a_ticket(bot):
    UserFactory(telegram_id=1106, language="en")
    frank = TgUser(id=1106)
    bot.send(frank, "/paysupport")

    assert bot.send(frank, "/cancel").params["text"] == "Cancelled."
    bot.send(frank, "never mind")

    assert not Ticket.objects.exists()


def test_a_message_too_long_is_refused_and_asked_again(bot):
    UserFactory(telegram_id=1107, language="en")
    gina = TgUser(id=1107)
    bot.send(gina, "/paysupport")

    reply = bot.send(gina, "x" * 4050)

    assert reply.params["text"] == "Please keep the message under 4000 characters."
    bot.send(gina, "Shorter: my payment failed")
    assert Ticket.objects.get().subject == "Shorter: my payment failed"


def test_paysupport_replaces_an_unanswered_amount_question(bot):
    UserFactory(telegram_id=1108, language="en")
    hank = TgUser(id=1108)
    mark, _answer = bot.press(hank, "v1:buy:other")
    bot.reply_to(hank, after=mark)

    bot.send(hank, "/paysupport")
    reply = bot.send(hank, "500")

    assert reply.params["text"].startswith("Thank you. Your request is ticket #")
    assert Ticket.objects.get().messages.get().body == "500"
    assert not bot.api.calls_to("sendInvoice")


def test_paysupport_before_start_asks_to_start_first(bot):
    reply = bot.send(TgUser(id=1109, language_code="en"), "/paysupport")

    assert reply.params["text"] == (
        "You have no account here yet. Send /start to create one."
    )
