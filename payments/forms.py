from __future__ import annotations

import re

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .services import PURCHASE_MAX_STARS, PURCHASE_MIN_STARS


class StarsAmountForm(forms.Form):
    """How many stars to buy: a package button or a typed amount (both post
    `amount`)."""

    amount = forms.IntegerField(
        label=_("Number of stars"),
        min_value=PURCHASE_MIN_STARS,
        max_value=PURCHASE_MAX_STARS,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        bounds = {
            "min": number_format(PURCHASE_MIN_STARS, force_grouping=True),
            "max": number_format(PURCHASE_MAX_STARS, force_grouping=True),
        }
        # One message for every way to get it wrong (not a number, too small, too
        # large, empty), in the language of this request.
        message = gettext("Enter a whole number of stars from %(min)s to %(max)s.")
        message %= bounds
        field = self.fields["amount"]
        field.error_messages = {
            code: message for code in ("invalid", "required", "min_value", "max_value")
        }
        field.help_text = gettext("From %(min)s to %(max)s stars at a time.") % bounds


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class SubscribeForm(forms.Form):
    """One click on "Subscribe": the key is made when the page is shown, so the
    same form posted twice (a double click, a resent request) charges once."""

    idempotency_key = forms.RegexField(regex=IDEMPOTENCY_KEY, widget=forms.HiddenInput)
