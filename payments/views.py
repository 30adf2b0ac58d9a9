from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from auction_bot.errors import DomainError
from telegrambot.botapi import BotAPIError, BotAPINotConfigured

from .errors import InsufficientStars
from .forms import StarsAmountForm, SubscribeForm
from .invoices import invoice_qr_svg, payment_invoice_link_create
from .models import Payment
from .selectors import (
    ledger_entries_for_user,
    payment_get_for_user,
    subscription_get_for_user,
)
from .services import STAR_PACKAGES, payment_create_pending, subscription_purchase

logger = logging.getLogger(__name__)

LEDGER_PAGE_SIZE = 20
# Invoice links of the last few payments, kept in the session so that reloading
# the payment page does not ask Telegram for a new link each time.
INVOICE_LINKS_SESSION_KEY = "payments_invoice_links"
INVOICE_LINKS_KEPT = 10


def _bot_configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


def _invoice_failed_message() -> str:
    return _(
        "Telegram did not create the invoice just now. Nothing was charged; "
        "please try again in a moment."
    )


@login_required
@require_http_methods(["GET", "POST"])
def buy_stars(request: HttpRequest) -> HttpResponse:
    form = StarsAmountForm()
    if request.method == "POST" and _bot_configured():
        form = StarsAmountForm(request.POST)
        if form.is_valid():
            try:
                payment = payment_create_pending(
                    user=request.user, amount_stars=form.cleaned_data["amount"]
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                # Committed already (no transaction here): the Bot API call below
                # holds no lock, and if it fails the pending payment simply stays
                # unpaid — its payload was never shown to anyone.
                try:
                    link = payment_invoice_link_create(payment=payment)
                except BotAPIError as error:
                    logger.warning(
                        "invoice link failed",
                        extra={"payment_id": payment.pk, "error": str(error)},
                    )
                    messages.error(request, _invoice_failed_message())
                else:
                    _invoice_link_remember(request, payment=payment, link=link)
                    return redirect("buy_stars_payment", payment_id=payment.pk)
    return render(
        request,
        "payments/buy_stars.html",
        {
            "form": form,
            "packages": STAR_PACKAGES,
            "bot_configured": _bot_configured(),
        },
    )


@login_required
@require_GET
def buy_stars_payment(request: HttpRequest, payment_id: int) -> HttpResponse:
    """One payment: while pending, the button and QR code that pay it in Telegram
    (the page polls the status); afterwards, what became of it."""
    payment = _payment_or_404(request, payment_id)
    context: dict[str, object] = {
        "payment": payment,
        "balance": request.user.stars_balance,
        "bot_configured": _bot_configured(),
    }
    if payment.status == Payment.Status.PENDING and _bot_configured():
        link = request.session.get(INVOICE_LINKS_SESSION_KEY, {}).get(str(payment.pk))
        if link is None:
            # Another browser, or an old session: the payload still names this
            # payment, so a fresh link for it pays the same invoice.
            try:
                link = payment_invoice_link_create(payment=payment)
            except BotAPINotConfigured:
                context["bot_configured"] = False
            except BotAPIError:
                context["invoice_error"] = _invoice_failed_message()
            else:
                _invoice_link_remember(request, payment=payment, link=link)
        if link:
            context.update(invoice_link=link, invoice_qr=invoice_qr_svg(link))
    return render(request, "payments/payment.html", context)


@never_cache
@login_required
@require_GET
def buy_stars_status(request: HttpRequest, payment_id: int) -> HttpResponse:
    """What the payment page polls. htmx gets nothing (204: keep polling) while
    the payment is pending and the finished card once it is not; anyone else gets
    JSON."""
    payment = _payment_or_404(request, payment_id)
    balance = request.user.stars_balance
    if request.headers.get("HX-Request"):
        if payment.status == Payment.Status.PENDING:
            return HttpResponse(status=204)
        return render(
            request,
            "payments/includes/payment_card.html",
            {"payment": payment, "balance": balance, "swap_nav_balance": True},
        )
    return JsonResponse(
        {
            "id": payment.pk,
            "status": payment.status,
            "amount_stars": payment.amount_stars,
            "credited": payment.status == Payment.Status.SUCCESSFUL,
            "balance": balance,
        }
    )


@login_required
@require_GET
def balance(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(ledger_entries_for_user(user=request.user), LEDGER_PAGE_SIZE)
    return render(
        request,
        "payments/balance.html",
        {"page": paginator.get_page(request.GET.get("page"))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    insufficient = None
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That form was not valid. Please try again."))
            return redirect("subscribe")
        try:
            subscription = subscription_purchase(
                user=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except InsufficientStars as error:
            insufficient = str(error)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("subscribe")
        else:
            messages.success(
                request,
                _("Thank you! Your subscription now runs until %(date)s.")
                % {
                    "date": date_format(
                        timezone.localtime(subscription.ends_at), "DATETIME_FORMAT"
                    )
                },
            )
            return redirect("subscribe")
    subscription = subscription_get_for_user(user=request.user)
    return render(
        request,
        "payments/subscribe.html",
        {
            "form": SubscribeForm(initial={"idempotency_key": uuid.uuid4().hex}),
            "subscription": subscription,
            "subscription_active": subscription is not None
            and subscription.ends_at > timezone.now(),
            "price": settings.SUBSCRIPTION_PRICE_STARS,
            "days": settings.SUBSCRIPTION_DAYS,
            "insufficient": insufficient,
        },
    )


def _payment_or_404(request: HttpRequest, payment_id: int) -> Payment:
    payment = payment_get_for_user(user=request.user, payment_id=payment_id)
    if payment is None:
        raise Http404(_("No such payment."))
    return payment


def _invoice_link_remember(
    request: HttpRequest, *, payment: Payment, link: str
) -> None:
    links = request.session.get(INVOICE_LINKS_SESSION_KEY, {})
    links[str(payment.pk)] = link
    request.session[INVOICE_LINKS_SESSION_KEY] = dict(
        list(links.items())[-INVOICE_LINKS_KEPT:]
    )
