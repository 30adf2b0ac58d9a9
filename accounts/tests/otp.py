"""Codes as an authenticator app would show them, computed independently of the
code under test (RFC 6238 through django-otp's reference TOTP)."""

from __future__ import annotations

import base64
import time

from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_from_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """The code for a base32 secret typed into an app; `steps_ahead` asks for a
    later 30-second window (the server accepts one window of drift), so a test
    can log in again at once without reusing the code it just spent."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    return code_from_secret(
        base64.b32encode(device.bin_key).decode(), steps_ahead=steps_ahead
    )


def wrong_code(device: TOTPDevice) -> str:
    return wrong_code_for_secret(base64.b32encode(device.bin_key).decode())


def wrong_code_for_secret(secret: str) -> str:
    """A code no window the server accepts would show."""
    accepted = {code_from_secret(secret, steps_ahead=step) for step in (-1, 0, 1)}
    candidate = 0
    while f"{candidate:06d}" in accepted:
        candidate += 1
    return f"{candidate:06d}"


def forget_attempts() -> None:
    """Drop the wrong-code counters of every user in the database. Only these
    keys: clearing the whole cache would also empty a Redis database that other
    tests (or a Celery broker) running at the same time use."""
    from accounts.models import User
    from accounts.services_two_factor import _keys

    keys = [
        key for pk in User.objects.values_list("pk", flat=True) for key in _keys(pk)
    ]
    if keys:
        cache.delete_many(keys)
