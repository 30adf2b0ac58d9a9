"""Buying stars on the site in a real browser (Debian's Chromium via Playwright,
pytest-django's live server), with Telegram played by the fake Bot API."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accounts.models import User
from accounts.tests.factories import UserFactory
from payments.models import Payment
from payments.services import payment_record_success

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django would then
    # refuse the ORM calls that the test makes between page steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    # A phone-sized screen: the pages are laid out for phones first.
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _log_in(page: Page, live_server, user: User) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_a_bought_package_is_credited_on_the_open_page_without_a_reload(
    page: Page, live_server, fake_botapi
):
    user = UserFactory(first_name="Yusuf", last_name="")
    _log_in(page, live_server, user)

    page.goto("/buy_stars")
    page.get_by_test_id("package-100").click()

    pay = page.get_by_test_id("pay-in-telegram")
    expect(pay).to_be_visible()
    expect(pay).to_have_attribute("href", re.compile(r"^https://t\.me/\$"))
    qr = page.get_by_test_id("invoice-qr").locator("svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    payment = Payment.objects.get(user=user)
    [call] = fake_botapi.calls_to("createInvoiceLink")
    assert call.params["payload"] == payment.invoice_payload
    page.screenshot(path="/tmp/buy-stars-pending.png", full_page=True)

    # A marker that a reload would wipe out.
    page.evaluate("window.stillTheSamePage = true")
    # Telegram reports the charge to the bot, which records it.
    payment_record_success(
        payload=payment.invoice_payload,
        telegram_user_id=user.telegram_id,
        currency="XTR",
        total_amount=100,
        telegram_payment_charge_id="charge-browser-1",
    )

    expect(page.get_by_test_id("payment-credited")).to_contain_text(
        "Credited 100 ⭐ — your balance is now 100 ⭐", timeout=10_000
    )
    expect(pay).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator("#nav-balance")).to_have_text("100 ⭐")
    page.screenshot(path="/tmp/buy-stars-credited.png", full_page=True)

    page.get_by_test_id("payment-credited").get_by_role("link").click()

    expect(page).to_have_url(re.compile(r"/balance$"))
    expect(page.get_by_test_id("balance-available")).to_have_text("100 ⭐")
    [entry] = page.get_by_test_id("ledger-entry").all()
    expect(entry).to_contain_text("Purchase")
    expect(entry.get_by_test_id("ledger-amount")).to_have_text("+100 ⭐")
    expect(entry.get_by_test_id("ledger-payment-link")).to_have_attribute(
        "href", f"/buy_stars/{payment.pk}"
    )
    page.screenshot(path="/tmp/balance.png", full_page=True)
