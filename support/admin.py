"""Staff view of support tickets. Messages are shown in the ticket, read-only:
replying to the user (through the bot) comes with the full ticket workflow."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Ticket, TicketMessage


class TicketMessageInline(admin.StackedInline):
    model = TicketMessage
    fields = ("created_at", "author", "is_staff", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "subject",
        "user",
        "category",
        "status",
        "priority",
        "payment",
        "created_at",
        "updated_at",
    )
    list_filter = ("status", "category", "priority", "created_at")
    list_select_related = ("user", "payment")
    raw_id_fields = ("user", "payment")
    search_fields = (
        "=id",
        "subject",
        "=user__telegram_id",
        "user__username",
        "user__telegram_username",
        "=payment__telegram_payment_charge_id",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # Who wrote and what the ticket is about are facts; staff triage the rest.
    readonly_fields = ("user", "payment", "created_at", "updated_at")
    fields = (
        "subject",
        "category",
        "status",
        "priority",
        "user",
        "payment",
        "created_at",
        "updated_at",
    )
    inlines = [TicketMessageInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tickets are opened by users (the bot, later the site), with a first message.
        return False
