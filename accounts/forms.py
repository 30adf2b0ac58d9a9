from __future__ import annotations

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.models import Device

from .models import Language


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class StaffAdminAuthenticationForm(OTPAdminAuthenticationForm):
    """django-otp's admin log-in, except that a staff member with exactly one
    device need not pick it from a list first (which otherwise takes a second
    round trip: the list is only filled once the password is known)."""

    def _chosen_device(self, user: AbstractBaseUser) -> Device | None:
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                # Locked like django-otp's own choice, so one code cannot be
                # used twice by two simultaneous log-ins.
                device = Device.from_persistent_id(
                    devices[0].persistent_id, for_verify=True
                )
        return device
