"""Demo data for a fresh machine: safe to run any number of times (`make run` runs it
on every start); it creates what is missing and changes nothing that exists."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.services import user_get_or_create_from_telegram
from auctions.demo import demo_auctions_seed
from payments.models import LedgerEntry
from payments.services import stars_adjust

DEMO_PEOPLE = [
    # telegram_id, username, first name, language
    (900000001, "alice_demo", "Alice", "en"),
    (900000002, "boris_demo", "Борис", "ru"),
    (900000003, "salma_demo", "سلمى", "ar"),
]
DEMO_STAFF_USERNAME = "admin"
DEMO_STAFF_PASSWORD = "admin"  # noqa: S105 - demo only; refused when DEBUG=0
DEMO_STARTING_STARS = 1000


class Command(BaseCommand):
    help = (
        "Create demo users (one staff) and demo auctions of every type in every "
        "state; idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG=0 (never on a real production database).",
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates a staff user with a known password: DEBUG=0 refuses it."
            )
        with transaction.atomic():
            people = [self._person(*row) for row in DEMO_PEOPLE]
            staff_created = self._staff()
        for person in people:
            self._give_stars(person)
        seller, *bidders = people
        auctions = demo_auctions_seed(
            seller=seller,
            bidders=tuple(bidders),
            staff=User.objects.get(username=DEMO_STAFF_USERNAME),
        )
        for problem in auctions.problems:
            self.stderr.write(self.style.WARNING(f"Demo auction skipped: {problem}"))
        if staff_created:
            self.stdout.write(
                f"Staff user '{DEMO_STAFF_USERNAME}' / '{DEMO_STAFF_PASSWORD}' created. The admin needs a "
                f"TOTP device: python manage.py otp_enroll {DEMO_STAFF_USERNAME}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(people)} users, a staff account and "
                f"{auctions.existing + auctions.made} demo auctions "
                f"({auctions.made} new)."
            )
        )

    def _person(
        self, telegram_id: int, username: str, first_name: str, language: str
    ) -> User:
        user, _created = user_get_or_create_from_telegram(
            telegram_id=telegram_id,
            username=username,
            first_name=first_name,
            language_code=language,
        )
        return user

    def _staff(self) -> bool:
        if User.objects.filter(username=DEMO_STAFF_USERNAME).exists():
            return False
        User.objects.create_superuser(
            username=DEMO_STAFF_USERNAME,
            password=DEMO_STAFF_PASSWORD,
            email="",
            language="en",
        )
        return True

    def _give_stars(self, user: User) -> None:
        """Starting stars go through the ledger like every other star, once."""
        if LedgerEntry.objects.filter(user=user).exists():
            return
        staff = User.objects.get(username=DEMO_STAFF_USERNAME)
        stars_adjust(
            user=user,
            amount=DEMO_STARTING_STARS,
            reason="Demo starting balance",
            staff=staff,
        )
