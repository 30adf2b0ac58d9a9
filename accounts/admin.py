from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Notification, NotificationPreference, User
from .services_notifications import notifications_retry


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "display_name",
        "telegram_id",
        "telegram_username",
        "language",
        "stars_balance",
        "stars_held",
        "is_suspended",
        "is_staff",
        "date_joined",
    )
    list_filter = (
        "is_staff",
        "is_suspended",
        "language",
        "is_active",
        "two_factor_enabled",
    )
    search_fields = (
        "username",
        "telegram_username",
        "first_name",
        "last_name",
        "=telegram_id",
    )
    readonly_fields = (
        "stars_balance",
        "stars_held",
        "telegram_id",
        "last_login",
        "date_joined",
        "two_factor_enabled",
    )
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Telegram"),
            {"fields": ("telegram_id", "telegram_username", "photo_url", "language")},
        ),
        (_("Stars"), {"fields": ("stars_balance", "stars_held", "is_suspended")}),
        # Set by the user's authenticator devices (OTP admin pages), not by hand.
        (_("Security"), {"fields": ("two_factor_enabled",)}),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "kind",
        "channel",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "kind")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
    search_fields = (
        "=recipient__telegram_id",
        "recipient__username",
        "kind",
        "event_key",
    )
    readonly_fields = ("created_at", "updated_at", "sent_at", "attempts", "last_error")
    actions = ("retry_delivery",)

    @admin.action(description=_("Retry delivery of the failed ones"))
    def retry_delivery(self, request, queryset) -> None:
        count = notifications_retry(
            notification_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued for delivery again.",
                "%(count)d notifications queued for delivery again.",
                count,
            )
            % {"count": count},
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "channel", "enabled", "updated_at")
    list_filter = ("channel", "enabled", "kind")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("=user__telegram_id", "user__username", "kind")
