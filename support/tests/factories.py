"""Factories for support: a ticket with its opening message from the user."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from support.models import Ticket, TicketMessage


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    user = factory.SubFactory(UserFactory)
    subject = "My stars did not arrive"
    category = Ticket.Category.PAYMENT


class TicketMessageFactory(DjangoModelFactory):
    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(TicketFactory)
    author = factory.LazyAttribute(lambda message: message.ticket.user)
    body = "I paid 100 stars an hour ago and my balance did not change."
