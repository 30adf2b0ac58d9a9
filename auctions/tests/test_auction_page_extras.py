"""The auction page's videos, share buttons and link preview (Open Graph and
Twitter card), and what happens to markup a seller types into a title, a
description or a video link: it is shown as text, never run."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from auctions.models import Auction, AuctionImage
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import SubscriptionFactory

from .html import text, texts
from .test_new_auction_page import english_post

pytestmark = pytest.mark.django_db

BASE_URL = "https://auction.example"
YOUTUBE_ID = "dQw4w9WgXcQ"


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.BASE_URL = BASE_URL


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(page: str, name: str) -> list[dict[str, str | None]]:
    parser = _Tags()
    parser.feed(page)
    return [attrs for tag, attrs in parser.tags if tag == name]


def meta(page: str) -> dict[str, str]:
    found = {}
    for attrs in tags(page, "meta"):
        key = attrs.get("property") or attrs.get("name")
        if key:
            found[key] = attrs.get("content") or ""
    return found


def page_of(auction: Auction) -> str:
    response = Client().get(f"/auction/{auction.uuid}")
    assert response.status_code == 200
    return response.content.decode()


def with_picture(auction: Auction) -> Auction:
    AuctionImage.objects.create(
        auction=auction,
        image="auctions/2026/11/lamp.jpg",
        thumbnail="auctions/thumbs/2026/11/lamp.webp",
    )
    return auction


def test_videos_play_from_their_hosts_privacy_friendly_players():
    auction = AuctionFactory(
        media_links=[
            f"https://youtu.be/{YOUTUBE_ID}?si=tracking",
            "https://vimeo.com/76979871",
        ]
    )

    page = page_of(auction)

    frames = tags(page, "iframe")
    assert [frame["src"] for frame in frames] == [
        f"https://www.youtube-nocookie.com/embed/{YOUTUBE_ID}",
        "https://player.vimeo.com/video/76979871?dnt=1",
    ]
    assert all("allow-scripts" in frame["sandbox"] for frame in frames)
    assert frames[0]["title"] == "Video 1 on YouTube"
    assert "Watch on YouTube" in text(page, "auction-media")


def test_a_stored_link_outside_the_allow_list_never_becomes_a_player():
    # Stored directly, as staff could in the admin: the creation form refuses it.
    auction = AuctionFactory(
        media_links=[
            "https://example.com/clip.mp4",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            "javascript:alert(1)",
        ]
    )

    page = page_of(auction)

    assert tags(page, "iframe") == []
    assert texts(page, "media-link") == [
        "https://example.com/clip.mp4",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)",
    ]
    hrefs = [a.get("href") for a in tags(page, "a")]
    assert "https://example.com/clip.mp4" in hrefs
    assert "javascript:alert(1)" not in hrefs


def test_without_videos_there_is_no_video_section():
    page = page_of(AuctionFactory())

    assert 'data-testid="auction-media"' not in page


def test_the_share_buttons_link_to_telegram_the_page_and_the_bot(settings):
    settings.TELEGRAM_BOT_USERNAME = "bot_auction_test_bot"
    auction = AuctionFactory(title="Brass & copper lamp")

    page = page_of(auction)

    telegram = unescape(
        re.search(r'href="([^"]+)"[^>]*data-testid="share-telegram"', page)[1]
    )
    parts = urlsplit(telegram)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://t.me/share/url"
    assert parse_qs(parts.query) == {
        "url": [f"{BASE_URL}/auction/{auction.uuid}"],
        "text": ["Brass & copper lamp"],
    }
    assert f'data-copy-link="{BASE_URL}/auction/{auction.uuid}"' in page
    bot = re.search(r'href="([^"]+)"[^>]*data-testid="share-bot"', page)[1]
    assert bot == f"https://t.me/bot_auction_test_bot?start=auction_{auction.uuid.hex}"


def test_without_a_bot_username_there_is_no_bot_link(settings):
    settings.TELEGRAM_BOT_USERNAME = ""

    page = page_of(AuctionFactory())

    assert 'data-testid="share-bot"' not in page
    assert 'data-testid="share-telegram"' in page


def test_a_pasted_link_previews_the_title_description_and_main_picture():
    auction = with_picture(
        AuctionFactory(title="Green lamp", description="Brass base.\n\nWorks " * 40)
    )

    tags_ = meta(page_of(auction))

    assert tags_["og:title"] == "Green lamp"
    assert tags_["og:url"] == f"{BASE_URL}/auction/{auction.uuid}"
    assert tags_["og:image"] == f"{BASE_URL}/media/auctions/2026/11/lamp.jpg"
    assert tags_["twitter:card"] == "summary_large_image"
    description = tags_["og:description"]
    assert len(description) == 200
    assert description.startswith("Brass base. Works Brass base. Works")
    assert description.endswith("…")
    assert tags_["twitter:description"] == description


def test_without_a_picture_or_description_the_preview_says_type_and_price():
    auction = AuctionFactory(description="", starting_price_stars=40)

    tags_ = meta(page_of(auction))

    assert "og:image" not in tags_
    assert tags_["twitter:card"] == "summary"
    assert tags_["og:description"] == "English (ascending) auction, now 40 ⭐"


XSS_TITLE = '<script>alert("title")</script>'
XSS_DESCRIPTION = '<img src=x onerror=alert("description")>\n<script>alert(2)</script>'
XSS_LINKS = [
    'https://example.com/"><script>alert("link")</script>',
    "javascript:alert('link')",
    'https://www.youtube.com/watch?v=dQw4w9WgXcQ"><script>alert(3)</script>',
]


def test_markup_in_a_title_description_or_video_link_is_shown_as_text():
    auction = AuctionFactory(
        title=XSS_TITLE, description=XSS_DESCRIPTION, media_links=XSS_LINKS
    )

    page = page_of(auction)

    for payload in (XSS_TITLE, XSS_DESCRIPTION, *XSS_LINKS):
        assert payload not in page
    assert "<img src=x" not in page
    # The only scripts on the page are the site's own files.
    assert all(
        (script.get("src") or "").startswith("/static/")
        for script in tags(page, "script")
    )
    assert tags(page, "iframe") == []
    assert text(page, "auction-title") == XSS_TITLE
    # Line breaks become <br> (the only tags in it), the rest is text.
    assert text(page, "auction-description") == XSS_DESCRIPTION.replace("\n", "")
    assert "&lt;img src=x onerror=alert(&quot;description&quot;)&gt;<br>" in page
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in page
    assert meta(page)["og:title"] == XSS_TITLE  # escaped in the attribute


def test_a_card_on_the_front_page_shows_a_title_with_markup_as_text(client):
    AuctionFactory(title=XSS_TITLE)

    page = client.get("/").content.decode()

    assert XSS_TITLE not in page
    assert text(page, "card-title") == XSS_TITLE


def test_the_selling_form_takes_video_links_one_a_line(client, settings):
    seller = SubscriptionFactory().user
    client.force_login(seller)

    response = client.post(
        "/new_auction",
        english_post(
            media_links=f"https://youtu.be/{YOUTUBE_ID}\n\n https://vimeo.com/76979871 \n"
        ),
    )

    assert response.status_code == 302
    auction = Auction.objects.get(seller=seller)
    assert auction.media_links == [
        f"https://youtu.be/{YOUTUBE_ID}",
        "https://vimeo.com/76979871",
    ]
    edit = client.get(f"/auction/{auction.uuid}/edit").content.decode()
    assert (
        f"https://youtu.be/{YOUTUBE_ID}\nhttps://vimeo.com/76979871</textarea>" in edit
    )


def test_the_selling_form_refuses_a_link_that_is_not_a_video_and_keeps_the_text(
    client,
):
    seller = SubscriptionFactory().user
    client.force_login(seller)
    typed = f"https://youtu.be/{YOUTUBE_ID}\n<b>https://example.com/x</b>"

    response = client.post("/new_auction", english_post(media_links=typed))

    page = response.content.decode()
    assert response.status_code == 200
    assert not Auction.objects.filter(seller=seller).exists()
    assert (
        "“&lt;b&gt;https://example.com/x&lt;/b&gt;” is not a video we can show. "
        "Use a link to a video on YouTube, Vimeo, RuTube, VK Video."
    ) in page
    assert "<b>https://example.com/x</b>" not in page
    assert (
        "https://youtu.be/dQw4w9WgXcQ\n&lt;b&gt;https://example.com/x&lt;/b&gt;" in page
    )
