"""Enrol a staff member's authenticator app: the way in for the first device, since
the admin (where devices are otherwise managed) itself requires one."""

from __future__ import annotations

import io

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Create a confirmed TOTP device for a staff user and print its otpauth:// "
        "URI and a QR code to scan with an authenticator app."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the user's existing TOTP devices (the old codes stop working).",
        )
        parser.add_argument(
            "--name", default="authenticator", help="A label for the device."
        )

    def handle(
        self, *args: object, username: str, force: bool, name: str, **options: object
    ) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user with username {username!r}.") from None
        if not user.is_staff:
            raise CommandError(
                f"{username!r} is not staff: only staff use the admin and its "
                "second factor. Make them staff first."
            )
        with transaction.atomic():
            existing = TOTPDevice.objects.devices_for_user(user, confirmed=None)
            if existing.exists():
                if not force:
                    raise CommandError(
                        f"{username!r} already has a TOTP device; "
                        "use --force to replace it."
                    )
                existing.delete()
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)

        uri = device.config_url
        qr = io.StringIO()
        segno.make(uri, error="m").terminal(out=qr, compact=True)
        self.stdout.write(f"TOTP device created for {username}.")
        self.stdout.write(
            "Scan this QR code with an authenticator app, or enter the URI by hand:"
        )
        self.stdout.write(qr.getvalue(), ending="")
        self.stdout.write(uri)
        self.stdout.write(
            "Then log in to /admin/ with the password and the app's 6-digit code."
        )
