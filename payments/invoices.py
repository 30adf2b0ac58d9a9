"""Telegram invoices for the web: a `createInvoiceLink` for a pending payment, and
its QR code. Network calls only; the payment itself is written by the services."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from telegrambot.botapi import bot_api_call

from .models import Payment

# Telegram's limits on invoice texts (in characters).
TITLE_MAX = 32
DESCRIPTION_MAX = 255


def payment_invoice_link_create(*, payment: Payment) -> str:
    """A `https://t.me/$…` link that opens this payment's Stars invoice in
    Telegram. Raises a `BotAPIError` (BotAPINotConfigured without a token).

    Call it outside any transaction: it waits on Telegram for up to seconds, and the
    payload it sends is already committed, so the invoice never names a payment
    that a rollback could take back."""
    count = payment.amount_stars
    title = ngettext("%(count)s star", "%(count)s stars", count) % {"count": count}
    description = ngettext(
        "%(count)s star for your Bot-Auction balance.",
        "%(count)s stars for your Bot-Auction balance.",
        count,
    ) % {"count": count}
    return bot_api_call(
        "createInvoiceLink",
        title=title[:TITLE_MAX],
        description=description[:DESCRIPTION_MAX],
        payload=payment.invoice_payload,
        # Stars: currency XTR, no provider, exactly one price in whole stars.
        provider_token="",
        currency=payment.currency,
        prices=[{"label": title[:TITLE_MAX], "amount": payment.price_amount}],
    )


def invoice_qr_svg(link: str) -> SafeString:
    """The link as an inline SVG QR code (drawn here: no outside service sees it).
    Dark on white even in dark mode, so phones can read it."""
    svg = segno.make(link, error="m").svg_inline(
        scale=6,
        border=2,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="invoice-qr",
        title=gettext("QR code that opens the invoice in Telegram"),
    )
    # segno writes the markup itself and escapes the title.
    return mark_safe(svg)
