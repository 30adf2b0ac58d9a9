"""Opening a support ticket: the ticket, its first message and the payment it is
about, and the refusals a user can run into."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from payments.tests.factories import PaymentFactory, paid_payment
from support.errors import TicketRefused
from support.models import Ticket, TicketMessage
from support.selectors import ticket_payment_get_for_user, ticket_payments_for_user
from support.services import ticket_open

pytestmark = pytest.mark.django_db


def test_a_ticket_about_a_payment_keeps_the_message_and_the_payment():
    user = UserFactory()
    payment = paid_payment(user=user, stars=100)

    ticket = ticket_open(
        user=user,
        category=Ticket.Category.PAYMENT,
        subject="Stars missing",
        body="  I paid but see nothing.  ",
        payment=payment,
    )

    ticket.refresh_from_db()
    assert (ticket.user, ticket.payment, ticket.subject) == (
        user,
        payment,
        "Stars missing",
    )
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.category == Ticket.Category.PAYMENT
    message = ticket.messages.get()
    assert (message.author, message.body, message.is_staff) == (
        user,
        "I paid but see nothing.",
        False,
    )


def test_a_ticket_about_a_payment_is_high_priority_and_others_are_normal():
    user = UserFactory()
    payment = paid_payment(user=user, stars=10)

    about_money = ticket_open(
        user=user, category="payment", body="Where?", payment=payment
    )
    other = ticket_open(user=user, category="account", body="Change my name")

    assert about_money.priority == Ticket.Priority.HIGH
    assert other.priority == Ticket.Priority.NORMAL


def test_without_a_subject_the_first_line_of_the_message_is_the_subject():
    ticket = ticket_open(
        user=UserFactory(),
        category="other",
        body="Refund please\n\nI bought the wrong amount.",
    )

    assert ticket.subject == "Refund please"


def test_a_very_long_first_line_is_shortened_for_the_subject():
    ticket = ticket_open(user=UserFactory(), category="other", body="word " * 100)

    assert len(ticket.subject) == 200
    assert ticket.subject.endswith("…")
    assert ticket.messages.get().body == ("word " * 100).strip()


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 4001])
def test_an_empty_or_overlong_message_opens_no_ticket(body):
    with pytest.raises(TicketRefused):
        ticket_open(user=UserFactory(), category="other", body=body)

    assert not Ticket.objects.exists()
    assert not TicketMessage.objects.exists()


def test_a_ticket_cannot_point_at_someone_elses_payment():
    owner, other = UserFactory(), UserFactory()
    payment = paid_payment(user=owner, stars=50)

    with pytest.raises(TicketRefused) as refused:
        ticket_open(user=other, category="payment", body="mine?", payment=payment)

    assert str(refused.value) == "This payment is not yours."
    assert not Ticket.objects.exists()


def test_an_unknown_category_is_a_programming_error():
    with pytest.raises(ValueError):
        ticket_open(user=UserFactory(), category="billing", body="hello")


def test_the_payments_to_choose_from_are_the_users_paid_ones_newest_first():
    user = UserFactory()
    older = paid_payment(user=user, stars=10)
    newer = paid_payment(user=user, stars=20)
    PaymentFactory(user=user)  # an invoice never paid
    paid_payment(user=UserFactory(), stars=30)  # someone else's

    assert ticket_payments_for_user(user=user) == [newer, older]
    assert ticket_payment_get_for_user(user=user, payment_id=older.pk) == older


def test_an_unpaid_or_foreign_payment_cannot_be_chosen():
    user = UserFactory()
    unpaid = PaymentFactory(user=user)
    foreign = paid_payment(user=UserFactory(), stars=30)

    assert ticket_payment_get_for_user(user=user, payment_id=unpaid.pk) is None
    assert ticket_payment_get_for_user(user=user, payment_id=foreign.pk) is None
