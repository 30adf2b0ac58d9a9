"""Phones first, in a real browser (Debian's Chromium through Playwright): every
key page at 375 px wide without sideways scrolling, with tap targets of at least
44 × 44 px, named fields and readable text; the auction page's bid bar; price
updates spoken to screen readers; bidding with the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from auctions.models import Auction
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import funded_user

from .browser_kit import (
    DESKTOP,
    PHONE,
    accessibility_problems,
    browser_fixture,  # noqa: F401 - provides `browser`
    needs_chromium,
    new_page,
)

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Hand-carved" + "x" * 70  # a title nobody can break at a space
LONG_URL = "https://example.com/" + "a" * 120
# Enough description that the bid forms scroll out of a phone's screen.
LONG_DESCRIPTION = "\n".join(f"Line {n} of the description." for n in range(60))


@pytest.fixture
def demo() -> dict[str, object]:
    """The demo data of `make run` (every auction type and state, pictures,
    names in three scripts), plus a lot written to break a narrow layout."""
    call_command("seed_demo", force=True, stdout=StringIO(), stderr=StringIO())
    people = {
        name: User.objects.get(telegram_username=f"{name}_demo")
        for name in ("alice", "boris", "salma")
    }
    running = Auction.objects.filter(
        status=Auction.Status.ACTIVE, type=Auction.Type.ENGLISH, bid_count__gt=0
    ).first()
    awkward = AuctionFactory(
        seller=people["alice"],
        title=LONG_WORD,
        description=f"{LONG_WORD}\nSee {LONG_URL}",
        media_links=["https://www.youtube.com/watch?v=dQw4w9WgXcQ"],
    )
    return {**people, "running": running, "awkward": awkward}


PagePath = Callable[[dict], str]

KEY_PAGES: list[tuple[str, str | None, PagePath]] = [
    ("home", None, lambda d: "/"),
    ("home", "boris", lambda d: "/"),
    ("search", "boris", lambda d: "/?q=set&type=english&sort=ending"),
    ("login", None, lambda d: "/login"),
    ("auction", None, lambda d: d["running"].get_absolute_url()),
    ("auction", "boris", lambda d: d["running"].get_absolute_url()),
    ("auction", "alice", lambda d: d["running"].get_absolute_url()),
    ("auction with long words", "boris", lambda d: d["awkward"].get_absolute_url()),
    ("buy stars", "boris", lambda d: "/buy_stars"),
    ("balance", "boris", lambda d: "/balance"),
    ("subscribe", "boris", lambda d: "/subscribe"),
    ("my auctions", "alice", lambda d: "/my_auctions"),
    ("my bids", "boris", lambda d: "/my_auctions?tab=bidding"),
    ("watchlist", "boris", lambda d: "/watchlist"),
    ("new auction", "alice", lambda d: "/new_auction"),
    ("new auction unsubscribed", "boris", lambda d: "/new_auction"),
    ("dashboard", "boris", lambda d: "/dashboard"),
    ("settings", "boris", lambda d: "/settings"),
    ("public profile", "boris", lambda d: f"/users/{d['alice'].pk}"),
    ("home in Arabic", "salma", lambda d: "/"),
    ("auction in Arabic", "salma", lambda d: d["running"].get_absolute_url()),
    ("dashboard in Arabic", "salma", lambda d: "/dashboard"),
]


@pytest.mark.parametrize(
    ("who", "path"),
    [(who, path) for _name, who, path in KEY_PAGES],
    ids=[f"{name} ({who or 'visitor'})" for name, who, _path in KEY_PAGES],
)
def test_the_page_fits_a_375px_phone_with_large_targets_and_readable_text(
    browser: Browser, live_server, demo, who, path
):
    user = demo[who] if who else None
    page = new_page(browser, live_server, user=user, viewport=PHONE)
    try:
        response = page.goto(path(demo))
        assert response.status == 200
        page.wait_for_load_state("networkidle")

        assert accessibility_problems(page) == {}
    finally:
        page.context.close()


def test_the_phone_menu_opens_to_large_links(browser: Browser, live_server, demo):
    page = new_page(browser, live_server, user=demo["boris"], viewport=PHONE)
    try:
        page.goto("/")
        page.locator(".navbar-toggler").click()
        expect(page.get_by_test_id("nav-watchlist")).to_be_visible()
        page.wait_for_timeout(400)  # the collapse animation

        assert accessibility_problems(page) == {}
        for link in page.locator("#main-nav .nav-link").all():
            assert link.bounding_box()["height"] >= 44
    finally:
        page.context.close()


def _bar_is_shown(page: Page) -> bool:
    return page.get_by_test_id("bid-bar").evaluate(
        "bar => getComputedStyle(bar).visibility === 'visible' && "
        "bar.getBoundingClientRect().bottom <= window.innerHeight + 1 && "
        "bar.getBoundingClientRect().top < window.innerHeight"
    )


def test_the_bid_bar_follows_a_phone_down_the_auction_page_and_bids(
    browser: Browser, live_server
):
    auction = AuctionFactory(
        title="Brass telescope", starting_price_stars=40, description=LONG_DESCRIPTION
    )
    bidder = funded_user(stars=500)
    page = new_page(browser, live_server, user=bidder, viewport=PHONE)
    try:
        page.goto(auction.get_absolute_url())
        bar = page.get_by_test_id("bid-bar")
        expect(bar.get_by_test_id("bid-bar-price")).to_have_text("40 ⭐")

        # Reading the history at the end of the page, the bar is at hand.
        page.get_by_test_id("bid-history").scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "!document.body.classList.contains('bid-bar-off')", timeout=5_000
        )
        assert _bar_is_shown(page)
        box = bar.bounding_box()
        assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)
        assert box["width"] == PHONE["width"]

        amount = page.get_by_label("Quick bid (stars)")
        expect(amount).to_have_value("40")
        amount.fill("55")
        bar.get_by_test_id("bid-bar-submit").click()

        expect(page.get_by_test_id("bid-bar-notice")).to_have_text(
            "You are the highest bidder at 55 ⭐."
        )
        expect(page.get_by_test_id("bid-bar-price")).to_have_text("55 ⭐")
        expect(page.get_by_test_id("auction-price")).to_have_text("55 ⭐")
        expect(page.get_by_test_id("bid-bar-leading")).to_be_visible()
        assert auction.bids.get().amount == 55

        # With the bid forms on screen, the bar steps aside.
        page.get_by_test_id("set-max").first.scroll_into_view_if_needed()
        page.wait_for_function(
            "getComputedStyle(document.querySelector('.bid-bar')).visibility"
            " === 'hidden'"
        )
    finally:
        page.context.close()


def test_a_refused_bid_from_the_bar_says_why_in_the_bar(browser: Browser, live_server):
    auction = AuctionFactory(starting_price_stars=40, description=LONG_DESCRIPTION)
    page = new_page(browser, live_server, user=funded_user(stars=500), viewport=PHONE)
    try:
        page.goto(auction.get_absolute_url())
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function("!document.body.classList.contains('bid-bar-off')")
        amount = page.get_by_label("Quick bid (stars)")
        # Past the browser's own check (min=40), as an old browser would send it.
        amount.evaluate("input => input.removeAttribute('min')")
        amount.fill("12")
        page.get_by_test_id("bid-bar-submit").click()

        expect(page.get_by_test_id("bid-bar-error")).to_contain_text("40")
        expect(page.get_by_label("Quick bid (stars)")).to_have_value("12")
        assert not auction.bids.exists()
    finally:
        page.context.close()


def test_the_bid_bar_is_for_phones_only(browser: Browser, live_server):
    auction = AuctionFactory()
    page = new_page(browser, live_server, user=funded_user(stars=100), viewport=DESKTOP)
    try:
        page.goto(auction.get_absolute_url())
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")

        expect(page.get_by_test_id("bid-bar")).to_be_hidden()
        expect(page.get_by_test_id("place-bid")).to_be_visible()
    finally:
        page.context.close()


def test_the_seller_and_a_finished_auction_have_no_bid_bar(
    browser: Browser, live_server
):
    running = AuctionFactory()
    finished = AuctionFactory(status=Auction.Status.FINISHED)
    seller_page = new_page(browser, live_server, user=running.seller, viewport=PHONE)
    try:
        seller_page.goto(running.get_absolute_url())
        expect(seller_page.get_by_test_id("seller-actions")).to_be_visible()
        assert seller_page.get_by_test_id("bid-bar").count() == 0

        seller_page.goto(finished.get_absolute_url())
        assert seller_page.get_by_test_id("bid-bar").count() == 0
    finally:
        seller_page.context.close()


def test_another_bidders_new_price_is_announced_to_screen_readers(
    browser: Browser, live_server
):
    auction = AuctionFactory(title="Kettle", starting_price_stars=10)
    rival = funded_user(stars=500)
    page = new_page(browser, live_server, user=funded_user(stars=500))
    try:
        page.goto(auction.get_absolute_url())
        announcer = page.get_by_test_id("live-announcer")
        expect(announcer).to_have_attribute("aria-live", "polite")
        expect(announcer).to_have_text("")  # nothing said on arrival

        bid_place(auction=auction, bidder=rival, amount=25)

        # The page's poll (every 4 s) brings the new price, and says it.
        expect(page.get_by_test_id("auction-price")).to_have_text("25 ⭐")
        expect(announcer).to_have_text("Current bid 25 ⭐. 1 bid.")
        # The announcer outlives the swaps: it is the same element as before.
        assert page.locator("#live-announcer").count() == 1
    finally:
        page.context.close()


def test_a_keyboard_alone_skips_to_the_content_and_places_a_bid(
    browser: Browser, live_server
):
    auction = AuctionFactory(title="Chess set", starting_price_stars=30)
    page = new_page(browser, live_server, user=funded_user(stars=500), viewport=DESKTOP)
    try:
        page.goto(auction.get_absolute_url())

        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to the content")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        amount = page.locator("#id_amount")
        for _ in range(40):
            page.keyboard.press("Tab")
            if amount.evaluate("el => el === document.activeElement"):
                break
        expect(amount).to_be_focused()
        outline = amount.evaluate("el => getComputedStyle(el).outlineStyle")
        assert outline != "none"  # a visible focus ring

        page.keyboard.press("Control+A")
        page.keyboard.type("45")
        page.keyboard.press("Enter")

        expect(page.get_by_test_id("bid-notice")).to_have_text(
            "You are the highest bidder at 45 ⭐."
        )
        assert auction.bids.get().amount == 45
    finally:
        page.context.close()


def test_the_watch_button_says_whether_it_is_pressed(browser: Browser, live_server):
    auction = AuctionFactory()
    page = new_page(browser, live_server, user=funded_user(stars=10))
    try:
        page.goto(auction.get_absolute_url())
        button = page.get_by_test_id("watch-button")
        expect(button).to_have_attribute("aria-pressed", "false")

        button.focus()
        page.keyboard.press("Enter")

        expect(page.get_by_test_id("watch-button")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert re.search("Watching", page.get_by_test_id("watch-button").inner_text())
    finally:
        page.context.close()
