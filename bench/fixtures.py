"""Benchmark data made fast but in the state the services would leave: users
funded through the ledger (`stars_adjust`), logged-in sessions written with the
session engine the site uses, and fresh running English auctions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import User
from auctions.models import Auction
from payments.services import stars_adjust

STARS_PER_BIDDER = 10**10  # enough for any price 20 s of bidding can reach


@dataclass(frozen=True)
class Login:
    user_id: int
    session_key: str
    csrf_token: str

    def as_dict(self) -> dict:
        return {
            "user_id": self.user_id,
            "session": self.session_key,
            "csrf": self.csrf_token,
        }


def staff_get() -> User:
    staff, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "language": "en"}
    )
    return staff


def users_create(
    prefix: str, count: int, *, stars: int = 0, telegram_base: int = 0
) -> list[User]:
    """`count` users (English speakers with a Telegram id, as every real user
    has), each credited `stars` through the ledger."""
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}-{i}",
            first_name=f"{prefix.title()}{i}",
            language="en",
            telegram_id=telegram_base + i if telegram_base else None,
        )
        for i in range(count)
    )
    if stars:
        staff = staff_get()
        for user in users:
            stars_adjust(user=user, amount=stars, reason="bench funding", staff=staff)
    return users


def logins_create(users: list[User]) -> list[Login]:
    """A logged-in session per user, exactly what `django.contrib.auth.login`
    stores, and a CSRF secret for the cookie and the header."""
    engine = import_module(settings.SESSION_ENGINE)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    logins = []
    for user in users:
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        logins.append(
            Login(
                user_id=user.pk,
                session_key=session.session_key,
                csrf_token=get_random_string(32, CSRF_ALLOWED_CHARS),
            )
        )
    return logins


def auctions_create(seller: User, count: int, *, title: str) -> list[Auction]:
    """Running English auctions as `auction_create` leaves them (no pictures:
    the bid path never reads them), ending in a day — far from the soft close."""
    now = timezone.now()
    return Auction.objects.bulk_create(
        Auction(
            seller=seller,
            title=f"{title} {i}",
            description="A benchmark lot.",
            type=Auction.Type.ENGLISH,
            status=Auction.Status.ACTIVE,
            starting_price_stars=10,
            current_price_stars=10,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(days=1),
        )
        for i in range(count)
    )
