"""Searching on `/` in a real browser (Debian's Chromium through Playwright):
typing narrows the cards and puts the search in the address bar without
reloading the page, a filter narrows further, and the back button brings the
earlier results and form back."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from auctions.tests.factories import AuctionFactory

from .test_browser_create import CHROMIUM_ARGS

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
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


def visitor_page(browser: Browser, live_server) -> Page:
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def card_titles(page: Page):
    return expect(page.get_by_test_id("card-title"))


@pytest.mark.django_db(transaction=True)
def test_a_search_and_a_filter_narrow_the_list_and_back_restores_it(
    browser: Browser, live_server
):
    now = timezone.now()
    AuctionFactory(title="Brass telescope", ends_at=now + timedelta(hours=1))
    AuctionFactory(title="Brass lamp", dutch=True, ends_at=now + timedelta(hours=2))
    AuctionFactory(title="Tea set", ends_at=now + timedelta(hours=3))
    page = visitor_page(browser, live_server)
    try:
        page.goto("/")
        card_titles(page).to_have_text(["Brass telescope", "Brass lamp", "Tea set"])
        # Anything that reloads the page would lose this marker.
        page.evaluate("window.stillTheSamePage = true")

        page.get_by_role("searchbox", name="Search").fill("brass")
        expect(page).to_have_url(re.compile(r"/\?q=brass$"))
        card_titles(page).to_have_text(["Brass telescope", "Brass lamp"])
        expect(page.get_by_test_id("search-count")).to_have_text("2 auctions found")

        page.get_by_label("Type").select_option(label="Dutch (descending)")
        expect(page).to_have_url(re.compile(r"/\?q=brass&type=dutch$"))
        card_titles(page).to_have_text(["Brass lamp"])
        assert page.evaluate("window.stillTheSamePage") is True

        page.go_back()
        expect(page).to_have_url(re.compile(r"/\?q=brass$"))
        card_titles(page).to_have_text(["Brass telescope", "Brass lamp"])
        expect(page.get_by_role("searchbox", name="Search")).to_have_value("brass")
        expect(page.get_by_label("Type")).to_have_value("")

        page.go_back()
        expect(page).to_have_url(re.compile(r"/$"))
        card_titles(page).to_have_text(["Brass telescope", "Brass lamp", "Tea set"])
        expect(page.get_by_role("searchbox", name="Search")).to_have_value("")
        # Restored from htmx's history, not loaded again.
        assert page.evaluate("window.stillTheSamePage") is True

        page.go_forward()
        expect(page).to_have_url(re.compile(r"/\?q=brass$"))
        card_titles(page).to_have_text(["Brass telescope", "Brass lamp"])
        expect(page.get_by_role("searchbox", name="Search")).to_have_value("brass")
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_shared_search_link_opens_with_its_filters_and_pages_keep_them(
    browser: Browser, live_server
):
    now = timezone.now()
    for hours in range(1, 15):
        AuctionFactory(title=f"Lamp {hours:02}", ends_at=now + timedelta(hours=hours))
    AuctionFactory(title="Chair")
    page = visitor_page(browser, live_server)
    try:
        page.goto("/?q=lamp&sort=ending")

        expect(page.get_by_role("searchbox", name="Search")).to_have_value("lamp")
        expect(page.get_by_label("Sort by")).to_have_value("ending")
        expect(page.get_by_test_id("card-title")).to_have_count(12)
        page.get_by_test_id("page-next").click()
        expect(page).to_have_url(re.compile(r"/\?q=lamp&sort=ending&page=2$"))
        card_titles(page).to_have_text(["Lamp 13", "Lamp 14"])
    finally:
        page.context.close()
