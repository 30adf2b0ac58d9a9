"""Bidding in a real browser (Debian's Chromium through Playwright): a subscriber
puts an auction up through /new_auction, a second person bids on it from another
browser, and the seller's open page shows the new price and the bid without
reloading."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from auctions.models import Auction, Watch
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import funded_user

from .picture_files import image_bytes
from .test_browser_create import CHROMIUM_ARGS, logged_in_page, subscriber

CLOCK = re.compile(r"\d\d:\d\d:\d\d")


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


def put_up_an_auction(page: Page, photo: Path) -> None:
    page.goto("/new_auction")
    page.get_by_label("English (ascending)").check()
    page.get_by_label("Title").fill("Brass telescope")
    page.get_by_label("Description").fill("Extends to 80 cm.\nCap included.")
    page.get_by_label("Pictures").set_input_files(str(photo))
    page.get_by_label("Starting price (stars)").fill("40")
    page.get_by_label("Duration").select_option(label="2 days")
    page.get_by_test_id("create-auction").click()
    page.wait_for_url("**/auction/*")


@pytest.mark.django_db(transaction=True)
def test_the_sellers_open_page_shows_a_new_bid_without_reloading(
    browser: Browser, live_server, tmp_path: Path
):
    photo = tmp_path / "telescope.jpg"
    photo.write_bytes(image_bytes(size=(900, 600)))
    seller_page = logged_in_page(browser, live_server, subscriber())
    bidder_page = logged_in_page(browser, live_server, funded_user(500))
    try:
        put_up_an_auction(seller_page, photo)
        expect(seller_page.get_by_test_id("auction-price")).to_have_text("40 ⭐")
        expect(seller_page.get_by_test_id("no-bids")).to_be_visible()
        expect(seller_page.get_by_test_id("auction-photo")).to_have_js_property(
            "complete", True
        )
        # The countdown runs in the browser (the server sent "1 day, 23 hours").
        expect(seller_page.get_by_test_id("countdown")).to_have_text(CLOCK)
        # Anything that reloads the page or leaves it would lose this marker.
        seller_page.evaluate("window.stillTheSamePage = true")
        navigations: list[str] = []
        seller_page.on(
            "framenavigated",
            lambda frame: (
                navigations.append(frame.url)
                if frame == seller_page.main_frame
                else None
            ),
        )

        auction = Auction.objects.get()
        bidder_page.goto(f"/auction/{auction.uuid}")
        amount = bidder_page.get_by_label("Your bid (stars)")
        expect(amount).to_have_value("40")  # the minimum, ready to bid
        amount.fill("55")
        bidder_page.get_by_test_id("place-bid").click()

        expect(bidder_page.get_by_test_id("bid-notice")).to_have_text(
            "You are the highest bidder at 55 ⭐."
        )
        expect(bidder_page.get_by_test_id("status-leading")).to_be_visible()
        expect(bidder_page.locator("#nav-balance")).to_have_text("445 ⭐")
        # The seller's page, untouched since, catches up by itself.
        expect(seller_page.get_by_test_id("auction-price")).to_have_text("55 ⭐")
        expect(seller_page.get_by_test_id("bid-row")).to_have_count(1)
        expect(seller_page.get_by_test_id("bid-amount")).to_have_text("55 ⭐")
        expect(seller_page.get_by_test_id("bid-count")).to_have_text("1 bid")
        assert seller_page.evaluate("window.stillTheSamePage") is True
        assert navigations == []
        seller_page.screenshot(path="/tmp/auction-seller-live.png", full_page=True)
    finally:
        seller_page.context.close()
        bidder_page.context.close()


@pytest.mark.django_db(transaction=True)
def test_an_outbid_bidder_sees_it_and_keeps_what_they_are_typing(
    browser: Browser, live_server
):
    auction = AuctionFactory(title="Kettle", starting_price_stars=10)
    me = funded_user(300)
    bid_place(auction=auction, bidder=me, amount=10)
    page = logged_in_page(browser, live_server, me)
    try:
        page.goto(f"/auction/{auction.uuid}")
        expect(page.get_by_test_id("status-leading")).to_be_visible()

        bid_place(auction=auction, bidder=funded_user(300), amount=20)

        expect(page.get_by_test_id("status-outbid")).to_be_visible()
        amount = page.get_by_label("Your bid (stars)")
        expect(amount).to_have_value("21")  # untouched: the new minimum
        amount.fill("50")

        bid_place(auction=auction, bidder=funded_user(300), amount=30)

        expect(page.get_by_test_id("auction-price")).to_have_text("30 ⭐")
        expect(page.get_by_test_id("min-next-bid")).to_have_text("Minimum bid: 31 ⭐")
        expect(amount).to_have_value("50")  # what they typed survives the refresh
        expect(amount).to_be_focused()
        page.get_by_test_id("place-bid").click()
        expect(page.get_by_test_id("bid-notice")).to_have_text(
            "You are the highest bidder at 50 ⭐."
        )
    finally:
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_watching_toggles_in_place(browser: Browser, live_server):
    auction = AuctionFactory(title="Radio")
    user = funded_user(0)
    page = logged_in_page(browser, live_server, user)
    try:
        page.goto(f"/auction/{auction.uuid}")
        page.evaluate("window.stillTheSamePage = true")

        page.get_by_test_id("watch-button").click()
        expect(page.get_by_test_id("watch-button")).to_have_text("★ Watching")
        assert Watch.objects.filter(user=user, auction=auction).exists()
        page.get_by_test_id("watch-button").click()
        expect(page.get_by_test_id("watch-button")).to_have_text("☆ Watch")

        assert page.evaluate("window.stillTheSamePage") is True
        assert not Watch.objects.exists()
    finally:
        page.context.close()
