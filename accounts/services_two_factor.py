"""Two-factor authentication for every user: an authenticator app (TOTP) plus ten
single-use backup codes (django-otp's static device).

Wrong codes are limited twice: django-otp makes each device wait longer after
every failure (1, 2, 4, … seconds), and a per-user counter in the cache pauses all
code checks after `ATTEMPTS_MAX` failures in `ATTEMPTS_WINDOW_SECONDS`, so
guessing stays hopeless even across devices and sessions.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .errors import (
    TwoFactorAlreadyEnabled,
    TwoFactorCodeInvalid,
    TwoFactorNotEnabled,
    TwoFactorRateLimited,
    TwoFactorSetupMissing,
    TwoFactorThrottled,
)
from .models import User

TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
BACKUP_CODES_COUNT = 10
ATTEMPTS_MAX = 5
ATTEMPTS_WINDOW_SECONDS = 5 * 60

_TOTP_SHAPE = re.compile(r"^\d{6}$")
_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class _Check:
    device: Device | None
    wait_seconds: int = 0  # django-otp's throttle refused to check the code

    @property
    def passed(self) -> bool:
        return self.device is not None


def two_factor_setup_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (replacing an abandoned one):
    it opens nothing until `two_factor_setup_confirm` sees a code from it."""
    with transaction.atomic(durable=True):
        _lock_user(user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise TwoFactorAlreadyEnabled()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )


def two_factor_setup_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code it shows; returns it and the
    new backup codes, which the caller shows to the user once."""
    token = _normalize(token)
    _attempts_check(user)
    with transaction.atomic(durable=True):
        _lock_user(user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise TwoFactorAlreadyEnabled()
        device = (
            TOTPDevice.objects.filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise TwoFactorSetupMissing()
        check = _check_device(device, token)
        codes: list[str] = []
        if check.passed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _backup_codes_replace(user)
    _attempts_settle(user, check)
    return device, codes


def two_factor_verify(*, user: User, token: str) -> Device:
    """The second step of a log-in: a code from the authenticator or one backup
    code (used up by this). Returns the device that accepted it."""
    token = _normalize(token)
    _attempts_check(user)
    with transaction.atomic(durable=True):
        check = _check_confirmed(user, token)
    _attempts_settle(user, check)
    assert check.device is not None
    return check.device


def two_factor_disable(*, user: User, token: str) -> None:
    """Turn two-factor authentication off; a current code (or a backup code)
    proves it is the owner asking, not somebody at an unlocked screen."""
    token = _normalize(token)
    _attempts_check(user)
    with transaction.atomic(durable=True):
        check = _check_confirmed(user, token)
        if check.passed:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
    _attempts_settle(user, check)


def two_factor_backup_codes_regenerate(*, user: User, token: str) -> list[str]:
    """Ten fresh backup codes; the old ones stop working."""
    token = _normalize(token)
    _attempts_check(user)
    with transaction.atomic(durable=True):
        check = _check_confirmed(user, token)
        codes = _backup_codes_replace(user) if check.passed else []
    _attempts_settle(user, check)
    return codes


def backup_code_format(code: str) -> str:
    """ "abcd efgh": easier to copy by hand; the spaces are ignored when typed."""
    return f"{code[:4]} {code[4:]}"


# -- inside a transaction -----------------------------------------------------------


def _lock_user(user: User) -> None:
    # Serialises a user's setup, confirm and disable: without it two tabs could
    # each start a setup, or confirm one device while the other is replaced.
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


def _check_confirmed(user: User, token: str) -> _Check:
    """Check `token` against the device its shape belongs to. The device row is
    locked so that one code cannot be accepted twice by two requests at once."""
    _lock_user(user)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorNotEnabled()
    model: type[Device] = TOTPDevice if _TOTP_SHAPE.match(token) else StaticDevice
    device = (
        model.objects.select_for_update()
        .filter(user=user, confirmed=True)
        .order_by("pk")
        .first()
    )
    if device is None:  # a backup-code shape, and no backup codes were made
        return _Check(device=None)
    return _check_device(device, token)


def _check_device(device: Device, token: str) -> _Check:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until")
        wait = (
            math.ceil((locked_until - timezone.now()).total_seconds())
            if locked_until
            else 1
        )
        return _Check(device=None, wait_seconds=max(wait, 1))
    # verify_token records a failure on the device itself (its throttle); the
    # transaction commits it because no exception is raised here.
    return _Check(device=device if device.verify_token(token) else None)


def _backup_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


# -- attempts (cache) ---------------------------------------------------------------


def _normalize(token: str) -> str:
    return _SEPARATORS.sub("", token or "").lower()


def _keys(user_id: int) -> tuple[str, str]:
    return f"two-factor:failures:{user_id}", f"two-factor:since:{user_id}"


def _attempts_check(user: User) -> None:
    count_key, since_key = _keys(user.pk)
    if (cache.get(count_key) or 0) < ATTEMPTS_MAX:
        return
    since = cache.get(since_key) or time.time()
    left = since + ATTEMPTS_WINDOW_SECONDS - time.time()
    raise TwoFactorRateLimited(minutes=max(math.ceil(left / 60), 1))


def _attempts_settle(user: User, check: _Check) -> None:
    """After the transaction: forget the failures on success, count a wrong code,
    and refuse. A check the device's throttle refused tested no code and is not
    counted."""
    count_key, since_key = _keys(user.pk)
    if check.passed:
        cache.delete_many([count_key, since_key])
        return
    if check.wait_seconds:
        raise TwoFactorThrottled(seconds=check.wait_seconds)
    cache.add(since_key, time.time(), ATTEMPTS_WINDOW_SECONDS)
    if not cache.add(count_key, 1, ATTEMPTS_WINDOW_SECONDS):
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.add(count_key, 1, ATTEMPTS_WINDOW_SECONDS)
    raise TwoFactorCodeInvalid()
