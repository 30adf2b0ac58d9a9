"""Two-factor authentication in a real browser (Debian's Chromium through
Playwright): log in with Telegram, turn 2FA on by typing the key shown on the
page into an "app", log out, log in again and pass the code step."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from accounts.models import User
from accounts.tests.otp import code_from_secret, wrong_code_for_secret

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TELEGRAM_ID = 777_000_456

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make browser)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django would then
    # refuse the ORM calls the test makes between page steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
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
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 375, "height": 740},  # a phone
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # a busy test machine is slow
    page.route("https://oauth.telegram.org/**", _telegram_confirms)
    yield page
    context.close()


def _telegram_confirms(route: Route) -> None:
    """Stands in for oauth.telegram.org: the person confirms and Telegram sends
    the browser back with freshly signed data in the URL fragment."""
    fields = {
        "id": TELEGRAM_ID,
        "first_name": "Karim",
        "username": "karim_2fa",
        "auth_date": int(time.time()),
    }
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hashlib.sha256(settings.TELEGRAM_BOT_TOKEN.encode()).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    result = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")
    return_to = parse_qs(urlsplit(route.request.url).query)["return_to"][0]
    route.fulfill(
        status=302, headers={"Location": f"{return_to}#tgAuthResult={result}"}
    )


def log_in_with_telegram(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("telegram-login").click()


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.django_db(transaction=True)
def test_turning_on_two_factor_and_logging_in_again_with_a_code(page: Page):
    log_in_with_telegram(page)
    page.wait_for_url("**/profile")
    expect(page.get_by_test_id("profile-name")).to_have_text("Karim")

    page.get_by_test_id("two-factor-enable").click()
    page.wait_for_url("**/2fa/setup")
    expect(page.locator("[data-testid=totp-qr] svg")).to_be_visible()
    assert no_horizontal_scroll(page)
    page.get_by_text("Can't scan it? Enter the key by hand").click()
    shown_key = page.get_by_test_id("totp-secret").inner_text()
    secret = shown_key.replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret in page.get_by_test_id("totp-uri").get_attribute("href")

    page.get_by_label("Code").fill(code_from_secret(secret))
    page.get_by_test_id("totp-confirm").click()

    page.wait_for_url("**/2fa/backup-codes")
    expect(page.get_by_test_id("backup-code")).to_have_count(10)
    assert no_horizontal_scroll(page)
    page.get_by_test_id("backup-codes-done").click()
    page.wait_for_url("**/settings")
    expect(page.get_by_test_id("settings-two-factor")).to_contain_text("On")
    assert no_horizontal_scroll(page)
    assert User.objects.get(telegram_id=TELEGRAM_ID).two_factor_enabled

    page.locator(".navbar-toggler").click()  # the phone's collapsed menu
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")

    log_in_with_telegram(page)
    page.wait_for_url("**/2fa/verify?next=%2Fprofile")
    # Going straight to another page does not get past the step.
    page.goto("/dashboard")
    assert urlsplit(page.url).path == "/2fa/verify"
    page.goto("/2fa/verify?next=/profile")
    assert no_horizontal_scroll(page)
    page.get_by_label("Code").fill(wrong_code_for_secret(secret))
    page.get_by_test_id("two-factor-verify").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("not right")
    # django-otp makes the device wait a second after a wrong code.
    time.sleep(1.1)
    page.get_by_label("Code").fill(code_from_secret(secret, steps_ahead=1))
    page.get_by_test_id("two-factor-verify").click()

    page.wait_for_url("**/profile")
    expect(page.get_by_test_id("profile-name")).to_have_text("Karim")
    page.goto("/balance")
    assert urlsplit(page.url).path == "/balance"
