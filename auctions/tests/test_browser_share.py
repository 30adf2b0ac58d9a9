"""The auction page's "Copy link" button in a real browser (Debian's Chromium
through Playwright): the page's address lands on the clipboard, and without
the Clipboard API the old copy command still does it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from auctions.tests.factories import AuctionFactory

from .test_browser_search import browser  # noqa: F401 (the module's Chromium)


@pytest.mark.django_db(transaction=True)
def test_copy_link_puts_the_auction_address_on_the_clipboard(
    browser: Browser,  # noqa: F811
    live_server,
    settings,
):
    settings.BASE_URL = live_server.url
    auction = AuctionFactory(title="Green lamp")
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"/auction/{auction.uuid}")
        button = page.get_by_test_id("share-copy")

        button.click()

        expect(button).to_have_text("Link copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"{live_server.url}/auction/{auction.uuid}"
        expect(button).to_have_text("Copy link", timeout=5_000)
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_copy_link_falls_back_to_the_copy_command_without_the_clipboard_api(
    browser: Browser,  # noqa: F811
    live_server,
):
    auction = AuctionFactory(title="Green lamp")
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    # As on a plain-http site, where browsers hide the Clipboard API.
    context.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: undefined})"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"/auction/{auction.uuid}")
        button = page.get_by_test_id("share-copy")

        button.click()

        expect(button).to_have_text("Link copied")
    finally:
        context.close()
