"""Factories for payments. Balances are never set directly: `funded_user` buys
stars through the real services, so the ledger stays consistent in every test."""

from __future__ import annotations

import secrets
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from accounts.tests.factories import UserFactory
from payments.models import Payment, Subscription
from payments.services import payment_create_pending, payment_record_success


class PaymentFactory(DjangoModelFactory):
    """A pending Stars invoice."""

    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    amount_stars = 100
    currency = "XTR"
    price_amount = factory.LazyAttribute(lambda payment: payment.amount_stars)
    method = Payment.Method.STARS
    invoice_payload = factory.LazyFunction(lambda: secrets.token_urlsafe(24))


class SubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda sub: sub.started_at + timedelta(days=30))


def paid_payment(*, user: User, stars: int, charge_id: str | None = None) -> Payment:
    """A Stars purchase, paid and credited as the bot records a successful charge."""
    payment = payment_create_pending(user=user, amount_stars=stars)
    payment_record_success(
        payload=payment.invoice_payload,
        telegram_user_id=user.telegram_id,
        currency="XTR",
        total_amount=stars,
        telegram_payment_charge_id=charge_id or f"charge-{secrets.token_hex(8)}",
    )
    payment.refresh_from_db()
    user.refresh_from_db()
    return payment


def funded_user(stars: int = 500, **kwargs) -> User:
    """A user who bought `stars` stars."""
    user = UserFactory(**kwargs)
    if stars:
        paid_payment(user=user, stars=stars)
    return user
