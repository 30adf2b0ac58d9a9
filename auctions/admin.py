"""Staff views of auctions. Categories are edited in every language side by
side (django-modeltranslation).

An auction's prices, state and bids are read-only here: they change only through
the services, which the actions call (cancel with every hold released, close
now). Staff may correct the words (title, description, category)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from auction_bot.errors import DomainError

from .models import Auction, AuctionHold, AuctionImage, Bid, Category
from .services.staff import (
    REASON_MAX_LENGTH,
    auction_cancel_by_staff,
    auction_close_now,
)

# A hot auction has thousands of bids; its page shows the latest ones.
BIDS_SHOWN = 100


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name_en", "name_ru", "name_ar", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LatestBidsFormSet(forms.BaseInlineFormSet):
    def get_queryset(self) -> QuerySet[Bid]:
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:BIDS_SHOWN]
        return self._latest


class BidInline(ReadOnlyInline):
    model = Bid
    formset = LatestBidsFormSet
    fields = ("created_at", "bidder", "amount", "max_amount", "is_automatic")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    verbose_name_plural = _("bids (the latest 100)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bid]:
        return super().get_queryset(request).select_related("bidder")


class AuctionHoldInline(ReadOnlyInline):
    model = AuctionHold
    fields = ("user", "amount_stars", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuctionHold]:
        return super().get_queryset(request).select_related("user")


class AuctionImageInline(ReadOnlyInline):
    model = AuctionImage
    fields = ("preview", "position", "width", "height")
    readonly_fields = fields

    @admin.display(description=_("picture"))
    def preview(self, image: AuctionImage) -> str:
        shown = image.thumbnail or image.image
        if not shown:
            return "—"
        return format_html(
            '<a href="{}"><img src="{}" alt="" style="max-height:90px"></a>',
            image.image.url,
            shown.url,
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Required. The seller, the bidders and the watchers are told it; it "
            "is kept in each auction's history."
        ),
    )


class EndsFilter(admin.SimpleListFilter):
    """By end: what is about to end, and what is past its end but still running
    (the close sweep should leave nothing here for more than a few seconds)."""

    title = _("end")
    parameter_name = "ends"
    WINDOWS = {
        "hour": timedelta(hours=1),
        "day": timedelta(days=1),
        "week": timedelta(days=7),
    }

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("overdue", _("past its end, not closed")),
            ("hour", _("within an hour")),
            ("day", _("within a day")),
            ("week", _("within a week")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Auction]):
        now = timezone.now()
        running = queryset.filter(status=Auction.Status.ACTIVE)
        if self.value() == "overdue":
            return running.filter(ends_at__lte=now)
        if self.value() in self.WINDOWS:
            return running.filter(
                ends_at__gt=now, ends_at__lte=now + self.WINDOWS[self.value()]
            )
        return queryset


# The words staff may correct; everything else on the page is read-only.
EDITABLE_FIELDS = ("title", "description", "category")


@admin.register(Auction)
class AuctionAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "type",
        "status",
        "seller",
        "current_price_stars",
        "bid_count",
        "ends_at",
        "close_outcome",
        "winner",
    )
    list_filter = (
        "type",
        "status",
        "close_outcome",
        ("seller", admin.RelatedOnlyFieldListFilter),
        EndsFilter,
        "ends_at",
        "category",
    )
    list_select_related = ("seller", "winner", "category")
    raw_id_fields = ("seller", "leader", "winner")
    search_fields = (
        "title",
        "=uuid",
        "seller__username",
        "seller__telegram_username",
        "=seller__telegram_id",
    )
    date_hierarchy = "ends_at"
    ordering = ("-created_at", "-id")
    inlines = [AuctionImageInline, BidInline, AuctionHoldInline]
    actions = ["cancel_and_release", "close_now"]
    fieldsets = (
        (None, {"fields": ("title", "description", "category", "uuid", "seller")}),
        (
            _("State"),
            {
                "fields": (
                    "type",
                    "status",
                    "starts_at",
                    "ends_at",
                    "closed_at",
                    "close_outcome",
                    "winner",
                    "final_price_stars",
                    "reminders_sent",
                    "created_at",
                )
            },
        ),
        (
            _("Prices"),
            {
                "fields": (
                    "starting_price_stars",
                    "current_price_stars",
                    "min_increment_stars",
                    "reserve_price_stars",
                    "buy_now_price_stars",
                    "leader",
                    "leader_max_stars",
                    "bid_count",
                )
            },
        ),
        (
            _("Rules of the type"),
            {
                "classes": ("collapse",),
                "fields": (
                    "soft_close_minutes",
                    "extension_minutes",
                    "max_extensions",
                    "extensions_used",
                    "sealed_pricing",
                    "dutch_step_stars",
                    "dutch_interval_minutes",
                    "dutch_floor_stars",
                    "inactivity_minutes",
                ),
            },
        ),
    )

    def get_readonly_fields(
        self, request: HttpRequest, obj: Auction | None = None
    ) -> list[str]:
        return [
            f.name
            for f in Auction._meta.concrete_fields
            if f.name not in EDITABLE_FIELDS and f.name != "id"
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Auctions are put up by sellers (pictures checked, subscription required).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Bids and ledger entries point at it; cancelling is the way to end one.
        return False

    def save_model(
        self, request: HttpRequest, obj: Auction, form: forms.ModelForm, change: bool
    ) -> None:
        # Only the corrected words are written: a full save would put back the
        # price and state read when the page was posted, over a bid or a close
        # that committed since.
        changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    @admin.action(description=_("Cancel and release holds"), permissions=["change"])
    def cancel_and_release(
        self, request: HttpRequest, queryset: QuerySet[Auction]
    ) -> HttpResponse | None:
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            for auction in queryset:
                try:
                    auction_cancel_by_staff(
                        auction=auction, staff=request.user, reason=reason
                    )
                except DomainError as exc:
                    self.message_user(request, f"{auction}: {exc}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("%(auction)s: cancelled, held stars released.")
                        % {"auction": auction},
                        messages.SUCCESS,
                    )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel auctions"),
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/auctions/auction/cancel_selected.html", context
        )

    @admin.action(description=_("Close now"), permissions=["change"])
    def close_now(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        for auction in queryset:
            try:
                result = auction_close_now(auction=auction, staff=request.user)
            except DomainError as exc:
                self.message_user(request, f"{auction}: {exc}", messages.ERROR)
            else:
                outcome = Auction.Outcome(result.outcome).label
                self.message_user(
                    request,
                    _("%(auction)s: closed (%(outcome)s).")
                    % {"auction": auction, "outcome": outcome},
                    messages.SUCCESS,
                )
