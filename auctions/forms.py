"""The selling form. It only parses what the browser sent; the rules live in
`auctions.services.terms`, whose problems the view puts back on these fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .media import MAX_LINK_LENGTH, MAX_MEDIA_LINKS, PROVIDERS
from .models import Auction, Category
from .services.terms import TYPE_TERMS, Problem

Type = Auction.Type

TYPE_EXPLANATIONS = {
    Type.ENGLISH: _(
        "Ascending: the highest bid wins. Bidders may set a maximum and the site "
        "bids for them, step by step (proxy bids)."
    ),
    Type.DUTCH: _(
        "Descending: the price drops step by step until someone accepts it; the "
        "first to accept wins at once."
    ),
    Type.SEALED: _(
        "Hidden bids, one per bidder (it may be raised); the highest wins when "
        "time runs out."
    ),
    Type.PERPETUAL: _(
        "No fixed end: it ends after a period without new bids; each bid restarts "
        "the countdown."
    ),
}
DURATION_HOURS = (1, 3, 6, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720)
INACTIVITY_HOURS = (1, 3, 6, 12, 24, 48, 72, 168)
# Form field → the term it carries, where the names differ.
FIELD_TERMS = {"duration_hours": "duration"}
TERM_FIELDS = {term: name for name, term in FIELD_TERMS.items()}
# A few blank lines and one link too many still reach the service, which says
# what is wrong; a page of text does not.
MEDIA_LINKS_MAX_CHARS = (MAX_MEDIA_LINKS + 1) * (MAX_LINK_LENGTH + 2)
NOT_FROM_AUCTION = {"images", "starts_at", "duration_hours", "utc_offset_minutes"}
ACCEPTED_TYPES = "image/jpeg,image/png,image/webp,image/gif"


def _hours_label(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type=file multiple>`. Each is only
    received here; whether it is a picture is decided by `auctions.images`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleImageInput(attrs={"accept": ACCEPTED_TYPES})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        single = super().clean
        return [single(item, initial) for item in files if item]


class MediaLinksField(forms.CharField):
    """Video links, one a line. Which ones are acceptable is the service's
    call (auctions.media via terms_check)."""

    widget = forms.Textarea(attrs={"rows": 3, "dir": "ltr", "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(link) for link in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        if len(text) > MEDIA_LINKS_MAX_CHARS:
            raise ValidationError(
                _("Add at most %(max)s video links."), params={"max": MAX_MEDIA_LINKS}
            )
        return [line.strip() for line in text.splitlines() if line.strip()]


class AuctionForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type of auction"),
        choices=Type.choices,
        initial=Type.ENGLISH,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("No category"),
    )
    images = MultipleFileField(
        label=_("Pictures"),
        required=False,
        help_text=_(
            "One or more JPEG, PNG, WebP or GIF pictures. Location and camera "
            "details are removed."
        ),
    )
    media_links = MediaLinksField(label=_("Video links (optional)"), required=False)
    starting_price_stars = forms.IntegerField(
        label=_("Starting price (stars)"), min_value=1, initial=100
    )
    duration_hours = forms.TypedChoiceField(
        label=_("Duration"), coerce=int, required=False, initial=72
    )
    min_increment_stars = forms.IntegerField(
        label=_("Minimum increment (stars)"),
        min_value=1,
        required=False,
        initial=1,
        help_text=_("Bids rise at least by this much (more on higher prices)."),
    )
    reserve_price_stars = forms.IntegerField(
        label=_("Reserve price (stars, optional)"),
        min_value=1,
        required=False,
        help_text=_("Hidden; below it the lot is not sold. Bidders see if it is met."),
    )
    buy_now_price_stars = forms.IntegerField(
        label=_("Buy-it-now price (stars, optional)"),
        min_value=1,
        required=False,
        help_text=_("Anyone may buy at this price until the first bid."),
    )
    soft_close_minutes = forms.IntegerField(
        label=_("Anti-sniping window (minutes)"),
        min_value=1,
        required=False,
        initial=5,
        help_text=_("A bid this close to the end extends the auction."),
    )
    extension_minutes = forms.IntegerField(
        label=_("Extension (minutes)"), min_value=1, required=False, initial=5
    )
    max_extensions = forms.IntegerField(
        label=_("Maximum extensions"), min_value=0, required=False, initial=10
    )
    dutch_step_stars = forms.IntegerField(
        label=_("Price drop per step (stars)"), min_value=1, required=False
    )
    dutch_interval_minutes = forms.IntegerField(
        label=_("Minutes between drops"), min_value=1, required=False, initial=30
    )
    dutch_floor_stars = forms.IntegerField(
        label=_("Lowest price (stars)"), min_value=1, required=False
    )
    sealed_pricing = forms.ChoiceField(
        label=_("The winner pays"),
        choices=Auction.SealedPricing.choices,
        initial=Auction.SealedPricing.FIRST_PRICE,
        required=False,
        widget=forms.RadioSelect,
    )
    inactivity_minutes = forms.TypedChoiceField(
        label=_("Ends after this long without a bid"),
        coerce=int,
        required=False,
        initial=24 * 60,
    )
    starts_at = forms.DateTimeField(
        label=_("Start later (optional)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        # Shown in UTC; the page's script turns it into the browser's time.
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-utc": "1"},
            format="%Y-%m-%dT%H:%M",
        ),
        help_text=_(
            "Leave empty to start now. In your browser's time zone (UTC if "
            "JavaScript is off)."
        ),
    )
    # Filled by the page's script with the browser's offset from UTC, in minutes
    # (JavaScript's getTimezoneOffset: UTC minus local time).
    utc_offset_minutes = forms.IntegerField(
        required=False,
        min_value=-14 * 60,
        max_value=14 * 60,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, auction: Auction | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.auction = auction
        self.fields["media_links"].help_text = gettext(
            "Up to %(max)s links, one a line, to videos on %(providers)s. They "
            "play on the auction page."
        ) % {"max": MAX_MEDIA_LINKS, "providers": PROVIDERS}
        hours = list(DURATION_HOURS)
        if auction is not None:
            self._fill_from(auction, hours)
        self.fields["duration_hours"].choices = [
            (h, _hours_label(h)) for h in sorted(set(hours))
        ]
        self.fields["inactivity_minutes"].choices = [
            (h * 60, _hours_label(h)) for h in INACTIVITY_HOURS
        ]
        if auction is not None:
            current = auction.inactivity_minutes
            if current not in dict(self.fields["inactivity_minutes"].choices):
                self.fields["inactivity_minutes"].choices.append(
                    (current, _hours_label(max(current // 60, 1)))
                )

    def _fill_from(self, auction: Auction, hours: list[int]) -> None:
        """An edit form: the current terms, the type fixed, pictures optional."""
        self.fields["type"].disabled = True
        self.fields["images"].label = _("Replace the pictures (optional)")
        for name in self.fields:
            if name not in NOT_FROM_AUCTION and hasattr(auction, name):
                self.initial[name] = getattr(auction, name)
        length = auction.ends_at - auction.starts_at
        length_hours = max(int(length.total_seconds() // 3600), 1)
        hours.append(length_hours)
        self.initial["duration_hours"] = length_hours
        if auction.status == Auction.Status.ACTIVE:
            self.fields["starts_at"].disabled = True
            self.fields["starts_at"].help_text = _("The auction has started.")
        else:
            self.initial["starts_at"] = auction.starts_at
        self.initial["category"] = auction.category_id

    def clean(self) -> dict[str, Any]:
        # The browser sends a wall-clock time; its offset (sent by the page's
        # script) turns it into UTC. Without it the time is taken as UTC.
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        offset = cleaned.get("utc_offset_minutes")
        if starts_at is not None and offset:
            cleaned["starts_at"] = starts_at + timedelta(minutes=offset)
        return cleaned

    def chosen_type(self) -> str:
        if self.auction is not None:
            return self.auction.type
        return self.cleaned_data["type"]

    def terms(self) -> dict[str, Any]:
        """The cleaned values as service keywords: the common terms and those the
        chosen type uses (the others may have been filled in for another type
        and are ignored)."""
        data = self.cleaned_data
        used = TYPE_TERMS[self.chosen_type()]
        terms: dict[str, Any] = {
            "title": data["title"],
            "description": data.get("description") or "",
            "category": data.get("category"),
            "starting_price_stars": data["starting_price_stars"],
            "media_links": data.get("media_links") or [],
        }
        if not self.fields["starts_at"].disabled:
            terms["starts_at"] = data.get("starts_at")
        for term in used:
            name = TERM_FIELDS.get(term, term)
            value = data.get(name)
            if value in ("", None):
                value = None
            if term == "duration" and value is not None:
                value = timedelta(hours=value)
            terms[term] = value
        return terms

    def add_problems(self, problems: list[Problem]) -> None:
        """Show the service's refusals beside the fields they concern."""
        for problem in problems:
            name = TERM_FIELDS.get(problem.field or "", problem.field)
            if name not in self.fields:
                name = None
            self.add_error(
                name, ValidationError(problem.message, params=problem.params)
            )

    def type_fields(self) -> list[tuple[forms.BoundField, str, str]]:
        """The type-specific fields, each with the types it belongs to (the page
        shows only those of the chosen type when JavaScript runs)."""
        types_of: dict[str, list[str]] = {}
        for type_value, terms in TYPE_TERMS.items():
            for term in terms:
                types_of.setdefault(TERM_FIELDS.get(term, term), []).append(
                    str(type_value)
                )
        order = [
            "duration_hours",
            "min_increment_stars",
            "reserve_price_stars",
            "buy_now_price_stars",
            "dutch_step_stars",
            "dutch_interval_minutes",
            "dutch_floor_stars",
            "sealed_pricing",
            "inactivity_minutes",
            "soft_close_minutes",
            "extension_minutes",
            "max_extensions",
        ]
        labels = dict(Type.choices)
        return [
            (
                self[name],
                " ".join(types_of[name]),
                ", ".join(str(labels[value]) for value in types_of[name]),
            )
            for name in order
        ]

    def type_choices(self) -> list[tuple[Any, str, str]]:
        """Each radio button of the type chooser with its one-line explanation."""
        return [
            (radio, str(radio.data["value"]), TYPE_EXPLANATIONS[radio.data["value"]])
            for radio in self["type"]
        ]
