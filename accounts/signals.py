"""Keeps `User.two_factor_enabled` in step with the user's authenticator devices,
whoever changes them: the settings page, `otp_enroll`, or staff in the admin."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


def user_two_factor_sync(*, user_id: int) -> None:
    # One UPDATE computed by the database, so two changes racing each other
    # still leave the flag matching the devices that exist in the end. It writes
    # only when the flag is wrong: every verification saves the device (its last
    # used step), and the user row should not be rewritten each time.
    has_device = Exists(
        TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    )
    User.objects.filter(pk=user_id).exclude(two_factor_enabled=has_device).update(
        two_factor_enabled=has_device
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="accounts_totp_saved")
@receiver(post_delete, sender=TOTPDevice, dispatch_uid="accounts_totp_deleted")
def _totp_device_changed(sender: type, instance: TOTPDevice, **kwargs: Any) -> None:
    user_two_factor_sync(user_id=instance.user_id)
