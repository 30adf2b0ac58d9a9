"""Staff views of money. Amounts are read-only everywhere: stars move only through
the services, which the actions here call (refund, balance adjustment)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from auction_bot.errors import DomainError

from .models import (
    BalanceAdjustment,
    LedgerEntry,
    LedgerTransaction,
    Payment,
    Subscription,
    UnmatchedPayment,
)
from .services import (
    MAX_STARS,
    payment_refund,
    stars_adjust,
    unmatched_payment_refund,
    unmatched_payment_resolve,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is not edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _run_each(modeladmin, request, queryset, service, done_message) -> None:
    """Call `service` on each selected row; report every success and every refusal
    (with its reason) as its own message."""
    for obj in queryset:
        try:
            service(obj, request.user)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: {done_message}", messages.SUCCESS)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "amount_stars",
        "currency",
        "price_amount",
        "method",
        "status",
        "created_at",
        "paid_at",
        "refunded_at",
    )
    list_filter = ("status", "method", "currency", "created_at", "paid_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"
    search_fields = (
        "=telegram_payment_charge_id",
        "=provider_payment_charge_id",
        "=invoice_payload",
        "=user__telegram_id",
        "user__username",
        "user__telegram_username",
    )
    actions = ["refund"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The permission runs the refund action from the list; a single payment's
        # page stays view-only, so no form can write over the row.
        return obj is None and request.user.has_perm("payments.change_payment")

    @admin.action(description=_("Refund through Telegram"), permissions=["change"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        _run_each(
            self,
            request,
            queryset.select_related("user"),
            lambda payment, staff: payment_refund(payment=payment, staff=staff),
            _("refunded"),
        )


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ("account", "user", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "reason",
        "payment",
        "auction_id",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "created_at")
    list_select_related = ("payment", "created_by")
    search_fields = (
        "=id",
        "=auction_id",
        "=payment__telegram_payment_charge_id",
        "=entries__user__telegram_id",
        "entries__user__username",
        "reason",
    )
    date_hierarchy = "created_at"
    inlines = [LedgerEntryInline]


class BalanceAdjustmentForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=User.objects.all(),
        widget=ForeignKeyRawIdWidget(
            LedgerEntry._meta.get_field("user").remote_field, admin.site
        ),
    )
    amount = forms.IntegerField(
        label=_("Stars"),
        min_value=-MAX_STARS,
        max_value=MAX_STARS,
        help_text=_("Positive to credit the user, negative to debit."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required; kept with the transaction for audit."),
    )


@admin.register(BalanceAdjustment)
class BalanceAdjustmentAdmin(ReadOnlyAdmin):
    """Past adjustments, and (the "add" page) a form that makes a new one."""

    list_display = ("id", "user", "amount", "reason", "created_by", "created_at")
    list_select_related = ("created_by",)
    search_fields = ("reason", "=entries__user__telegram_id", "entries__user__username")
    inlines = [LedgerEntryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BalanceAdjustment]:
        return (
            super()
            .get_queryset(request)
            .filter(kind=LedgerTransaction.Kind.ADJUSTMENT)
            .prefetch_related("entries__user")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.add_balanceadjustment")

    @admin.display(description=_("user"))
    def user(self, obj: BalanceAdjustment) -> User | None:
        return next((e.user for e in obj.entries.all() if e.user_id), None)

    @admin.display(description=_("stars"))
    def amount(self, obj: BalanceAdjustment) -> int | None:
        return next((e.amount for e in obj.entries.all() if e.user_id), None)

    def add_view(
        self,
        request: HttpRequest,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BalanceAdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                txn = stars_adjust(
                    user=form.cleaned_data["user"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    staff=request.user,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.log_addition(request, txn, [{"added": {}}])
                self.message_user(
                    request,
                    _("%(user)s: %(amount)+d stars (%(reason)s).")
                    % {
                        "user": form.cleaned_data["user"],
                        "amount": form.cleaned_data["amount"],
                        "reason": form.cleaned_data["reason"],
                    },
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:payments_balanceadjustment_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust a balance"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/payments/balanceadjustment/add.html", context
        )


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("user", "status", "started_at", "ends_at", "updated_at")
    list_filter = ("status", "ends_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("=user__telegram_id", "user__username", "user__telegram_username")
    date_hierarchy = "ends_at"


@admin.register(UnmatchedPayment)
class UnmatchedPaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "telegram_user_id",
        "user",
        "currency",
        "total_amount",
        "reason",
        "status",
        "resolved_by",
        "created_at",
    )
    list_filter = ("status", "currency", "created_at")
    list_select_related = ("user", "resolved_by")
    search_fields = (
        "=telegram_payment_charge_id",
        "=telegram_user_id",
        "=invoice_payload",
    )
    actions = ["refund", "resolve"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None and request.user.has_perm("payments.change_unmatchedpayment")

    @admin.action(description=_("Refund through Telegram"), permissions=["change"])
    def refund(
        self, request: HttpRequest, queryset: QuerySet[UnmatchedPayment]
    ) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda unmatched, staff: unmatched_payment_refund(
                unmatched=unmatched, staff=staff
            ),
            _("refunded"),
        )

    @admin.action(description=_("Mark as resolved"), permissions=["change"])
    def resolve(
        self, request: HttpRequest, queryset: QuerySet[UnmatchedPayment]
    ) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda unmatched, staff: unmatched_payment_resolve(
                unmatched=unmatched, staff=staff
            ),
            _("resolved"),
        )
