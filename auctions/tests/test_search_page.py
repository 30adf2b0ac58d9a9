"""The search on `/` through Django's test client: the filters live in the URL,
pages keep them, values that do not parse are left out with a word of
explanation (never an error page), and the page makes the same few queries
however many auctions there are."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from auctions.models import AuctionImage
from auctions.tests.factories import AuctionFactory, CategoryFactory
from auctions.views.listing import PAGE_SIZE

from .html import text, texts

pytestmark = pytest.mark.django_db


def with_picture(auction):
    AuctionImage.objects.create(
        auction=auction,
        image="auctions/a.jpg",
        thumbnail="auctions/thumbs/a.webp",
    )
    return auction


def next_page_link(page: str) -> str:
    return unescape(re.search(r'href="([^"]*)" data-testid="page-next"', page)[1])


def test_a_search_in_the_url_narrows_the_cards_and_fills_the_form(client):
    AuctionFactory(title="Brass telescope", description="Extends to 80 cm.")
    AuctionFactory(title="Tea set", description="Porcelain.")

    page = client.get("/?q=telescope&sort=-price&buy_now=&no_bids=on").content.decode()

    assert texts(page, "card-title") == ["Brass telescope"]
    assert text(page, "search-count") == "1 auction found"
    assert 'name="q" value="telescope"' in page
    assert '<option value="-price" selected>' in page
    assert re.search(r'name="no_bids"[^>]*checked', page)
    assert not re.search(r'name="buy_now"[^>]*checked', page)


def test_each_filter_can_be_set_from_the_url(client):
    clocks = CategoryFactory(name="Clocks", slug="clocks")
    now = timezone.now()
    AuctionFactory(
        title="Wall clock",
        category=clocks,
        starting_price_stars=40,
        buy_now_price_stars=90,
        ends_at=now + timedelta(minutes=50),
    )
    AuctionFactory(title="Table clock", category=clocks, starting_price_stars=40)
    AuctionFactory(title="Dutch clock", category=clocks, dutch=True)

    page = client.get(
        "/?type=english&category=clocks&min_price=30&max_price=50&ending=1h&buy_now=on"
    ).content.decode()

    assert texts(page, "card-title") == ["Wall clock"]
    assert '<option value="clocks" selected>Clocks</option>' in page
    assert '<option value="1h" selected>' in page


def test_the_next_page_keeps_the_search(client):
    now = timezone.now()
    for hours in range(1, PAGE_SIZE + 3):
        AuctionFactory(title=f"Lamp {hours}", ends_at=now + timedelta(hours=hours))
    AuctionFactory(title="Chair")

    first = client.get("/?q=lamp&type=english&min_price=&sort=ending").content.decode()
    link = next_page_link(first)
    second = client.get(link).content.decode()

    assert link == "?q=lamp&type=english&sort=ending&page=2"
    assert len(texts(first, "card-title")) == PAGE_SIZE
    assert texts(second, "card-title") == [
        f"Lamp {PAGE_SIZE + 1}",
        f"Lamp {PAGE_SIZE + 2}",
    ]
    assert text(second, "page-number") == "Page 2 of 2"


def test_values_that_do_not_parse_are_left_out_with_a_notice(client):
    AuctionFactory(title="Lamp")

    response = client.get(
        "/?min_price=abc&max_price=-1&category=nope&type=x&ending=soon&sort=up&page=zz"
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert texts(page, "card-title") == ["Lamp"]
    assert text(page, "search-ignored") == (
        "Some filters were not understood and are left out: Type, Category, "
        "Price from, Price to, Ending, Sort by."
    )


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=" + "x" * 5000,
        "min_price=99999999999999999999999999",
        "min_price=1e5",
        "category=%F0%9F%92%A3",
        "type=dutch&type=english",  # the last one counts
        "page=-1",
        "page=99999",
        "q=%E2%80%AE&sort=",
    ],
)
def test_odd_urls_never_break_the_page(client, query):
    AuctionFactory(title="Lamp")

    response = client.get(f"/?{query}")

    assert response.status_code == 200
    assert "Lamp" in texts(response.content, "card-title")


def test_without_any_match_the_page_offers_to_clear_the_search(client):
    AuctionFactory(title="Lamp")

    page = client.get("/?q=violin").content.decode()

    assert text(page, "search-empty").startswith(
        "No running auction matches your search."
    )
    assert re.search(r'href="/" data-testid="search-clear"', page)


def test_a_search_typed_with_markup_is_shown_back_escaped(client):
    page = client.get("/", {"q": '"><script>alert(1)</script>'}).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_the_form_sends_itself_with_htmx_and_pushes_the_url(client):
    page = client.get("/", HTTP_HX_REQUEST="true").content.decode()

    form = re.search(r'<form[^>]*data-testid="search-form"[^>]*>', page, re.S)[0]
    assert 'method="get"' in form
    assert 'hx-push-url="true"' in form
    assert 'hx-select="#search-results"' in form
    assert 'id="search-results"' in page  # the whole page, for htmx to pick from


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_page_makes_the_same_few_queries_however_many_auctions(
    client, django_assert_max_num_queries, logged_in
):
    if logged_in:
        client.force_login(UserFactory())
    clocks = CategoryFactory(slug="clocks")
    url = "/?q=lot&category=clocks&min_price=1&ending=7d&sort=-price"

    def make(count):
        for _ in range(count):
            with_picture(AuctionFactory(category=clocks, dutch=True))
            with_picture(AuctionFactory(category=clocks, buy_now_price_stars=99))

    make(1)
    # The category asked for, the count, the page, its pictures, the category
    # list; logged in, also the user (and room for a session or 2FA device).
    limit = 7 if logged_in else 5
    with django_assert_max_num_queries(limit):
        assert len(texts(client.get(url).content, "auction-card")) == 2
    make(20)
    with django_assert_max_num_queries(limit):
        assert len(texts(client.get(url).content, "auction-card")) == PAGE_SIZE
