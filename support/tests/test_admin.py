"""The support admin: staff find tickets, read their messages, and triage."""

from __future__ import annotations

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import SuperUserFactory, UserFactory
from payments.tests.factories import paid_payment
from support.models import Ticket
from support.services import ticket_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = SuperUserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return user


def test_tickets_are_listed_and_found_by_the_payments_charge_id(client, staff):
    user = UserFactory()
    payment = paid_payment(user=user, stars=100, charge_id="charge-look-for-me")
    wanted = ticket_open(user=user, category="payment", body="Lost", payment=payment)
    ticket_open(user=UserFactory(), category="other", body="Something else")

    response = client.get("/admin/support/ticket/", {"q": "charge-look-for-me"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]
    filtered = client.get("/admin/support/ticket/", {"status__exact": "open"})
    assert filtered.status_code == 200


def test_a_ticket_page_shows_its_messages_and_lets_staff_change_the_status(
    client, staff
):
    user = UserFactory()
    ticket = ticket_open(
        user=user, category="payment", body="My 100 stars never arrived"
    )
    url = f"/admin/support/ticket/{ticket.pk}/change/"

    page = client.get(url)

    assert page.status_code == 200
    assert "My 100 stars never arrived" in page.content.decode()
    response = client.post(
        url,
        {
            "subject": ticket.subject,
            "category": "payment",
            "status": "answered",
            "priority": Ticket.Priority.HIGH,
            "messages-TOTAL_FORMS": "1",
            "messages-INITIAL_FORMS": "1",
            "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "1000",
            "messages-0-id": ticket.messages.get().pk,
            "messages-0-ticket": ticket.pk,
        },
    )

    assert response.status_code == 302, response.context["errors"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.user) == (
        "answered",
        Ticket.Priority.HIGH,
        user,
    )
    assert ticket.messages.get().body == "My 100 stars never arrived"


def test_staff_cannot_add_a_ticket_by_hand(client, staff):
    assert client.get("/admin/support/ticket/add/").status_code == 403
