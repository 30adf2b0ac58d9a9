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


class NotificationPreferencesForm(forms.Form):
    """One checkbox per (kind, channel): named "<kind>:<channel>"."""

    def __init__(
        self,
        *args: object,
        kinds: list[tuple[str, str]],
        channels: tuple[tuple[str, str], ...],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.channels = channels
        # Each checkbox is labelled by its channel; the template puts a kind's
        # checkboxes in a fieldset whose legend names the kind, which screen
        # readers announce with them.
        for kind, _kind_label in kinds:
            for channel, channel_label in channels:
                self.fields[self.field_name(kind, channel)] = forms.BooleanField(
                    label=channel_label, required=False
                )

    @staticmethod
    def field_name(kind: str, channel: str) -> str:
        return f"{kind}:{channel}"

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(kind, label, its checkboxes) for the template."""
        return [
            (
                kind,
                label,
                [self[self.field_name(kind, channel)] for channel, _l in self.channels],
            )
            for kind, label in self.kinds
        ]

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (kind, channel): bool(self.cleaned_data[self.field_name(kind, channel)])
            for kind, _label in self.kinds
            for channel, _l in self.channels
        }


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "font-monospace",
            }
        ),
    )

    def __init__(
        self,
        *args: object,
        numeric: bool = False,
        autofocus: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        if autofocus:  # on a page that is only this form
            self.fields["code"].widget.attrs["autofocus"] = True
        if numeric:
            # Phones show the number pad for the authenticator's 6 digits.
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
            self.fields["code"].help_text = _("The 6-digit code your app shows now.")
        else:
            self.fields["code"].help_text = _(
                "The 6-digit code from your authenticator app, or one of your "
                "backup codes."
            )
