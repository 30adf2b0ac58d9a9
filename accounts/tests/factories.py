"""Factories for accounts: users as the bot creates them (a Telegram identity) and
staff for the admin and moderation pages."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Notification, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    telegram_id = factory.Sequence(lambda n: 100_000_000 + n)
    username = factory.LazyAttribute(lambda user: f"tg{user.telegram_id}")
    telegram_username = factory.Sequence(lambda n: f"tg_user_{n}")
    first_name = factory.Faker("first_name")
    language = "en"
    password = factory.django.Password("password")


class StaffUserFactory(UserFactory):
    is_staff = True


class SuperUserFactory(StaffUserFactory):
    is_superuser = True


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test"
    payload = factory.Dict({})
