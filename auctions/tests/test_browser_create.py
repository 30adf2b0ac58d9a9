"""Selling in a real browser (Debian's Chromium through Playwright): a subscriber
fills /new_auction with a picture and lands on the new auction's page."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accounts.models import User
from accounts.tests.factories import StaffUserFactory, UserFactory
from auctions.models import Auction
from payments.services import stars_adjust, subscription_purchase

from .picture_files import exif_with_gps_and_orientation, image_bytes

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
    # refuse the ORM calls the test makes between page steps.
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


def logged_in_page(
    browser: Browser, live_server, user: User, *, javascript: bool = True
) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=javascript
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def subscriber() -> User:
    """A user who was given stars by staff and bought a subscription with them,
    through the payment services."""
    user = UserFactory(first_name="Leila", last_name="")
    stars_adjust(
        user=user,
        amount=settings.SUBSCRIPTION_PRICE_STARS,
        reason="browser test",
        staff=StaffUserFactory(),
    )
    subscription_purchase(user=user)
    return user


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_creates_an_english_auction_with_a_picture(
    browser: Browser, live_server, tmp_path: Path
):
    seller = subscriber()
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(
        image_bytes(size=(800, 600), exif=exif_with_gps_and_orientation())
    )
    page = logged_in_page(browser, live_server, seller)
    try:
        page.goto("/")
        page.get_by_test_id("nav-sell").click()
        page.wait_for_url("**/new_auction")

        # The script shows only the chosen type's fields.
        page.get_by_label("Dutch (descending)").check()
        expect(page.get_by_label("Lowest price (stars)")).to_be_visible()
        expect(page.get_by_label("Buy-it-now price (stars, optional)")).to_be_hidden()
        page.get_by_label("English (ascending)").check()
        expect(page.get_by_label("Lowest price (stars)")).to_be_hidden()
        expect(page.get_by_label("Buy-it-now price (stars, optional)")).to_be_visible()

        page.get_by_label("Title").fill("Desk lamp, green glass")
        page.get_by_label("Description").fill("Brass base, works.")
        page.get_by_label("Pictures").set_input_files(str(photo))
        page.get_by_label("Starting price (stars)").fill("40")
        page.get_by_label("Duration").select_option(label="2 days")
        page.get_by_label("Buy-it-now price (stars, optional)").fill("400")
        page.get_by_test_id("create-auction").click()

        page.wait_for_url("**/auction/*")
        expect(page.get_by_test_id("auction-title")).to_have_text(
            "Desk lamp, green glass"
        )
        expect(page.get_by_test_id("auction-price")).to_have_text("40 ⭐")
        expect(page.get_by_test_id("auction-type")).to_contain_text(
            "English (ascending)"
        )
        expect(page.get_by_test_id("auction-time-left")).to_contain_text("left")
        image = page.get_by_test_id("auction-image")
        expect(image).to_have_count(1)
        # The picture really loads (the thumbnail is served and decodes).
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") == 480

        auction = Auction.objects.get()
        assert page.url.endswith(f"/auction/{auction.uuid}")
        assert auction.seller == seller
        assert auction.buy_now_price_stars == 400
        assert auction.images.count() == 1
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_user_without_a_subscription_is_pointed_to_subscribe(
    browser: Browser, live_server
):
    page = logged_in_page(browser, live_server, UserFactory())
    try:
        page.goto("/new_auction")

        expect(page.get_by_test_id("subscribe-needed")).to_contain_text(
            "Only subscribers can put auctions up."
        )
        page.get_by_test_id("subscribe-link").click()
        page.wait_for_url("**/subscribe")
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_without_javascript_every_field_shows_and_a_dutch_auction_is_created(
    browser: Browser, live_server, tmp_path: Path
):
    seller = subscriber()
    photo = tmp_path / "vase.png"
    photo.write_bytes(image_bytes(fmt="PNG", size=(300, 300)))
    page = logged_in_page(browser, live_server, seller, javascript=False)
    try:
        page.goto("/new_auction")

        # Nothing hides the other types' fields; each says which types it is for.
        expect(page.get_by_label("Lowest price (stars)")).to_be_visible()
        expect(page.get_by_label("Buy-it-now price (stars, optional)")).to_be_visible()
        expect(page.get_by_test_id("field-dutch_floor_stars")).to_contain_text(
            "For: Dutch (descending)"
        )
        page.get_by_label("Dutch (descending)").check()
        page.get_by_label("Title").fill("Blue vase")
        page.get_by_label("Pictures").set_input_files(str(photo))
        page.get_by_label("Starting price (stars)").fill("300")
        page.get_by_label("Price drop per step (stars)").fill("10")
        page.get_by_label("Minutes between drops").fill("20")
        page.get_by_label("Lowest price (stars)").fill("100")
        page.get_by_test_id("create-auction").click()

        page.wait_for_url("**/auction/*")
        expect(page.get_by_test_id("auction-title")).to_have_text("Blue vase")
        auction = Auction.objects.get()
        assert auction.type == Auction.Type.DUTCH
        assert (auction.dutch_step_stars, auction.dutch_floor_stars) == (10, 100)
    finally:
        page.context.close()
