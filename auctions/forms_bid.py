"""Bidding forms. They only parse the number typed; whether a bid stands is the
services' decision, and a refusal (a DomainError) is put back on the form as a
form error in the bidder's language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from auction_bot.errors import DomainError
from payments.errors import InsufficientStars
from payments.services import MAX_STARS


class DomainErrorsMixin:
    """Refusals from the services, shown above the form's buttons."""

    needs_stars = False  # the refusal was "not enough stars": offer to buy some
    prefill = False

    def add_domain_error(self, error: DomainError) -> None:
        self.needs_stars = isinstance(error, InsufficientStars)
        self.add_error(None, str(error))  # type: ignore[attr-defined]

    def show_minimum(self, minimum: int) -> None:
        """The least the browser should let through, prefilled on a fresh form;
        a refused form keeps what was typed, marked invalid."""
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            field.widget.attrs["min"] = minimum
            if self.prefill and not self.is_bound:  # type: ignore[attr-defined]
                self.initial.setdefault(name, minimum)  # type: ignore[attr-defined]
            if self.is_bound and self.errors:  # type: ignore[attr-defined]
                field.widget.attrs["class"] += " is-invalid"


def _stars_field(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=MAX_STARS,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "inputmode": "numeric", "step": 1}
        ),
    )


class BidForm(DomainErrorsMixin, forms.Form):
    """A plain bid (English and perpetual) or a sealed bid."""

    prefill = True  # with the minimum next bid: one tap bids it
    amount = _stars_field(_("Your bid (stars)"))


class MaxBidForm(DomainErrorsMixin, forms.Form):
    """A proxy maximum: the site bids for the bidder, as little as leading takes,
    up to it."""

    max_amount = _stars_field(
        _("Your maximum (stars)"),
        _(
            "The site bids for you, only as much as it takes to lead, up to this "
            "amount. Nobody else sees it."
        ),
    )

    prefill = False  # a maximum is the bidder's own figure


class ConfirmForm(DomainErrorsMixin, forms.Form):
    """A button with nothing to type (buy it now, accept the Dutch price, close
    now): only its refusals need a place to show."""
