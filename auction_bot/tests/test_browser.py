"""The key journeys in a real browser: Debian's Chromium driven by Playwright against
pytest-django's live server (static files included)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from accounts.models import User
from accounts.tests.factories import UserFactory

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django would then
    # refuse the ORM calls that tests and pytest-django make between page steps.
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
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_home_page_is_styled_by_bootstrap(page: Page):
    page.goto("/")

    button = page.locator("main .btn-primary").first
    expect(button).to_be_visible()
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == (
        BOOTSTRAP_PRIMARY
    )
    expect(page.get_by_test_id("auctions-empty")).to_contain_text(
        "No auctions are running right now."
    )
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_switching_to_arabic_turns_the_page_right_to_left(page: Page):
    page.goto("/")

    with page.expect_navigation():
        page.get_by_test_id("language-switcher").locator("select").select_option("ar")

    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.get_by_test_id("nav-auctions")).to_have_text("المزادات")
    expect(page.locator("nav")).to_contain_text("تسجيل الدخول")
    assert page.locator('link[href$="bootstrap.rtl.min.css"]').count() == 1
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The RTL stylesheet really applies: the brand sits on the right.
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] > page.viewport_size["width"] / 2
    page.screenshot(path="/tmp/home-ar.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_logged_in_user_sees_their_profile_and_balance(page: Page, live_server):
    user = UserFactory(
        first_name="Salma", last_name="", stars_balance=750, stars_held=50
    )
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

    page.goto("/profile")

    expect(page.get_by_test_id("profile-name")).to_have_text("Salma")
    expect(page.get_by_test_id("balance-available")).to_have_text("750 ⭐")
    expect(page.get_by_test_id("balance-held")).to_have_text("50 ⭐")
    expect(page.get_by_test_id("nav-profile")).to_contain_text("750 ⭐")


def _signed_tg_auth_result(telegram_id: int) -> str:
    fields = {
        "id": telegram_id,
        "first_name": "Karim",
        "username": "karim_tg",
        "auth_date": int(time.time()),
    }
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hashlib.sha256(settings.TELEGRAM_BOT_TOKEN.encode()).digest()
    fields["hash"] = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


@pytest.mark.django_db(transaction=True)
def test_logging_in_with_telegram_lands_on_the_profile(page: Page):
    telegram_id = 777_000_123

    def telegram_oauth(route: Route) -> None:
        # Stands in for oauth.telegram.org (unreachable here): the person
        # confirms, and Telegram sends the browser back with the signed data in
        # the URL fragment.
        return_to = parse_qs(urlsplit(route.request.url).query)["return_to"][0]
        fragment = f"tgAuthResult={_signed_tg_auth_result(telegram_id)}"
        route.fulfill(status=302, headers={"Location": f"{return_to}#{fragment}"})

    page.route("https://oauth.telegram.org/**", telegram_oauth)
    page.goto("/login")

    page.get_by_test_id("telegram-login").click()

    page.wait_for_url("**/profile")
    assert "tgAuthResult" not in page.url  # not left in the address bar
    expect(page.get_by_test_id("profile-name")).to_have_text("Karim")
    assert User.objects.get(telegram_id=telegram_id).telegram_username == "karim_tg"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()


def test_a_phone_sees_the_collapsed_navbar(browser: Browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/")

        toggler = page.locator(".navbar-toggler")
        expect(toggler).to_be_visible()
        expect(page.get_by_test_id("nav-auctions")).to_be_hidden()
        toggler.click()
        expect(page.get_by_test_id("nav-auctions")).to_be_visible()
    finally:
        context.close()


def test_a_desktop_sees_the_navbar_expanded(page: Page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")

    expect(page.locator(".navbar-toggler")).to_be_hidden()
    expect(page.get_by_test_id("nav-auctions")).to_be_visible()
