"""One person's whole visit, in a real browser (Debian's Chromium through
Playwright) on the demo data of `make run`:

log in with Telegram → search and filter on / → open an auction → watch it →
bid → another bidder's higher bid arrives without a reload → turn on two-factor
→ log out and back in with a code from the authenticator → switch to Arabic
(right to left) → the same auction on a 375 px phone, no sideways scrolling.

Along the way it photographs the key pages. They go to a temporary folder;
`SCREENSHOTS_DIR=docs/screenshots` refreshes the ones shown in the README."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, Route, expect

from accounts.models import User
from accounts.tests.otp import code_from_secret, forget_attempts
from auctions.models import Auction, Watch
from auctions.services import bid_place
from payments.tests.factories import funded_user, paid_payment

from .browser_kit import (
    DESKTOP,
    PHONE,
    browser_fixture,  # noqa: F401 - provides `browser`
    needs_chromium,
    new_page,
    scrolls_sideways,
)

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

TELEGRAM_ID = 777_000_789
PHONE_SHOT = {"width": 390, "height": 844}


def _telegram_confirms(route: Route) -> None:
    """Stands in for oauth.telegram.org (unreachable here): the person confirms,
    and Telegram sends the browser back with freshly signed data in the URL
    fragment (TELEGRAM.md)."""
    fields = {
        "id": TELEGRAM_ID,
        "first_name": "Karim",
        "username": "karim_journey",
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


@pytest.fixture
def shots(tmp_path: Path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> Path:
        # Let pictures finish loading and the countdowns tick once.
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return shoot


@pytest.fixture
def demo() -> None:
    call_command("seed_demo", force=True, stdout=StringIO(), stderr=StringIO())
    yield
    forget_attempts()


def test_a_visitor_finds_bids_is_outbid_secures_the_account_and_reads_arabic(
    browser: Browser, live_server, demo, shots
):
    page = new_page(browser, live_server, viewport=DESKTOP)
    page.route("https://oauth.telegram.org/**", _telegram_confirms)
    try:
        # -- the front page, then log in with Telegram ---------------------------
        page.goto("/")
        expect(page.get_by_test_id("auction-card").first).to_be_visible()
        shots(page, "home")
        log_in_with_telegram(page)
        page.wait_for_url("**/profile")
        karim = User.objects.get(telegram_id=TELEGRAM_ID)
        expect(page.get_by_test_id("profile-name")).to_have_text("Karim")
        # Stars bought in the bot arrive on the same account.
        paid_payment(user=karim, stars=500)

        # -- search and filter -------------------------------------------------------
        page.goto("/")
        page.get_by_role("searchbox", name="Search").fill("painting")
        expect(page).to_have_url(re.compile(r"/\?q=painting$"))
        expect(page.get_by_test_id("card-title")).to_have_text(
            ["Oil painting: sea at dawn"]
        )
        page.get_by_label("Type").select_option(value="english")
        expect(page).to_have_url(re.compile(r"/\?q=painting&type=english$"))
        expect(page.get_by_test_id("search-count")).to_have_text("1 auction found")

        # -- open it, watch it, bid ---------------------------------------------------
        page.get_by_test_id("card-title").click()
        page.wait_for_url("**/auction/*")
        auction = Auction.objects.get(title="Oil painting: sea at dawn")
        expect(page.get_by_test_id("auction-title")).to_have_text(auction.title)
        page.get_by_test_id("watch-button").click()
        expect(page.get_by_test_id("watch-button")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert Watch.objects.filter(user=karim, auction=auction).exists()

        minimum = page.get_by_label("Your bid (stars)").input_value()
        page.get_by_test_id("place-bid").click()
        expect(page.get_by_test_id("bid-notice")).to_have_text(
            f"You are the highest bidder at {minimum} ⭐."
        )
        expect(page.get_by_test_id("status-leading")).to_be_visible()

        # -- someone else bids more; the open page shows it by itself ----------------
        page.evaluate("window.stillTheSamePage = true")
        boris = User.objects.get(telegram_username="boris_demo")
        higher = int(minimum) + 40
        bid_place(auction=auction, bidder=boris, amount=higher)
        expect(page.get_by_test_id("auction-price")).to_have_text(f"{higher} ⭐")
        expect(page.get_by_test_id("status-outbid")).to_be_visible()
        expect(page.get_by_test_id("live-announcer")).to_have_text(
            f"Current bid {higher} ⭐. 2 bids."
        )
        assert page.evaluate("window.stillTheSamePage") is True
        shots(page, "auction-desktop")

        page.goto("/buy_stars")
        expect(page.get_by_test_id("packages")).to_be_visible()
        shots(page, "buy-stars")

        # -- two-factor on, then a second log-in with a code ------------------------
        page.goto("/dashboard")
        page.get_by_test_id("two-factor-enable").click()
        page.wait_for_url("**/2fa/setup")
        page.get_by_text("Can't scan it? Enter the key by hand").click()
        secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code").fill(code_from_secret(secret))
        page.get_by_test_id("totp-confirm").click()
        page.wait_for_url("**/2fa/backup-codes")
        expect(page.get_by_test_id("backup-code")).to_have_count(10)
        page.get_by_test_id("backup-codes-done").click()
        page.wait_for_url("**/settings")

        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        log_in_with_telegram(page)
        page.wait_for_url("**/2fa/verify?next=%2Fprofile")
        page.goto("/dashboard")  # no way round the code step
        assert urlsplit(page.url).path == "/2fa/verify"
        # The code of the next 30-second window: the first one is spent.
        page.get_by_label("Code").fill(code_from_secret(secret, steps_ahead=1))
        page.get_by_test_id("two-factor-verify").click()
        page.wait_for_url("**/dashboard")
        expect(page.get_by_test_id("profile-name")).to_have_text("Karim")
        expect(page.get_by_test_id("bid-state")).to_have_text("Outbid")
        shots(page, "dashboard")

        # -- Arabic, right to left ----------------------------------------------------
        page.goto("/")
        with page.expect_navigation():
            page.get_by_test_id("language-switcher").locator("select").select_option(
                "ar"
            )
        html = page.locator("html")
        expect(html).to_have_attribute("dir", "rtl")
        expect(html).to_have_attribute("lang", "ar")
        expect(page.get_by_test_id("nav-auctions")).to_have_text("المزادات")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        brand = page.locator(".navbar-brand").bounding_box()
        assert brand["x"] > DESKTOP["width"] / 2  # the brand sits on the right
        karim.refresh_from_db()
        assert karim.language == "ar"  # remembered for the bot and e-mails too
        shots(page, "home-ar")

        # -- the same auction on a phone ------------------------------------------
        page.set_viewport_size(PHONE)
        page.goto(auction.get_absolute_url())
        expect(page.get_by_test_id("auction-price")).to_have_text(f"{higher} ⭐")
        assert scrolls_sideways(page) == []
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert scrolls_sideways(page) == []
    finally:
        page.context.close()


def test_the_phone_pictures_of_the_auction_page(
    browser: Browser, live_server, demo, shots
):
    """The auction page as a phone shows it first: the picture, the price and the
    bid bar at the bottom of the screen."""
    auction = Auction.objects.get(title="Mechanical wristwatch")
    viewer = funded_user(stars=300, first_name="Karim", last_name="", language="en")
    page = new_page(browser, live_server, user=viewer, viewport=PHONE_SHOT)
    try:
        page.goto(auction.get_absolute_url())
        expect(page.get_by_test_id("auction-title")).to_be_visible()
        assert scrolls_sideways(page) == []
        page.wait_for_function("!document.body.classList.contains('bid-bar-off')")
        expect(page.get_by_test_id("bid-bar")).to_be_visible()
        shots(page, "auction-phone")
    finally:
        page.context.close()
