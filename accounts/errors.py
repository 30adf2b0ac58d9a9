"""Refusals of the accounts services, each with a message for the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from auction_bot.errors import DomainError


class TwoFactorError(DomainError):
    pass


class TwoFactorCodeInvalid(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_("That code is not right. Check it and try again."))


class TwoFactorRateLimited(TwoFactorError):
    def __init__(self, *, minutes: int) -> None:
        super().__init__(
            ngettext_lazy(
                "Too many wrong codes. For your safety, try again in %(minutes)d "
                "minute.",
                "Too many wrong codes. For your safety, try again in %(minutes)d "
                "minutes.",
                minutes,
            ),
            minutes=minutes,
        )


class TwoFactorThrottled(TwoFactorError):
    def __init__(self, *, seconds: int) -> None:
        super().__init__(
            ngettext_lazy(
                "Too many wrong codes in a row. Wait %(seconds)d second, then try "
                "again.",
                "Too many wrong codes in a row. Wait %(seconds)d seconds, then try "
                "again.",
                seconds,
            ),
            seconds=seconds,
        )


class TwoFactorAlreadyEnabled(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_("Two-factor authentication is already on."))


class TwoFactorNotEnabled(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_("Two-factor authentication is not on."))


class TwoFactorSetupMissing(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_("Start setting up two-factor authentication first."))
