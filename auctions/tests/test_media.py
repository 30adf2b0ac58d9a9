"""Video links: only YouTube, Vimeo, RuTube and VK Video pages become players,
built from the parsed video id; the seller is told at once when a link is not
one of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.tests.factories import UserFactory
from auctions.media import media_items, media_links_unique, media_parse
from auctions.services import AuctionInvalid, auction_create, auction_update
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import SubscriptionFactory

from .picture_files import upload

YOUTUBE = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
RUTUBE_ID = "c6cc4d620b1d4338901770a44b3e82f4"


@pytest.mark.parametrize(
    ("link", "embed_url"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", YOUTUBE),
        ("http://youtube.com/watch?v=dQw4w9WgXcQ&feature=share", YOUTUBE),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", YOUTUBE),
        ("https://youtu.be/dQw4w9WgXcQ", YOUTUBE),
        ("https://youtu.be/dQw4w9WgXcQ?si=tracking", YOUTUBE),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", YOUTUBE),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", YOUTUBE),
        ("https://www.youtube.com/live/dQw4w9WgXcQ", YOUTUBE),
        ("  https://WWW.YouTube.com/watch?v=dQw4w9WgXcQ  ", YOUTUBE),
        ("https://youtu.be/dQw4w9WgXcQ?t=90", f"{YOUTUBE}?start=90"),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s",
            f"{YOUTUBE}?start=90",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
        (
            "https://vimeo.com/76979871/8272103f6e",
            "https://player.vimeo.com/video/76979871?dnt=1&h=8272103f6e",
        ),
        (
            "https://player.vimeo.com/video/76979871",
            "https://player.vimeo.com/video/76979871?dnt=1",
        ),
        (
            "https://vimeo.com/channels/staffpicks/76979871",
            "https://player.vimeo.com/video/76979871?dnt=1",
        ),
        (
            f"https://rutube.ru/video/{RUTUBE_ID}/",
            f"https://rutube.ru/play/embed/{RUTUBE_ID}",
        ),
        (
            f"https://rutube.ru/play/embed/{RUTUBE_ID}",
            f"https://rutube.ru/play/embed/{RUTUBE_ID}",
        ),
        (
            "https://vk.com/video-22822305_456239018",
            "https://vkvideo.ru/video_ext.php?oid=-22822305&id=456239018&hd=2",
        ),
        (
            "https://vkvideo.ru/video-22822305_456239018",
            "https://vkvideo.ru/video_ext.php?oid=-22822305&id=456239018&hd=2",
        ),
        (
            "https://vk.com/video_ext.php?oid=-1&id=2&hash=abc123",
            "https://vkvideo.ru/video_ext.php?oid=-1&id=2&hd=2&hash=abc123",
        ),
    ],
)
def test_a_link_to_a_known_video_becomes_a_player_built_from_its_id(link, embed_url):
    embed = media_parse(link)

    assert embed is not None
    assert embed.embed_url == embed_url


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/video.mp4",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://evilyoutube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
        "https://user:pass@youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtube.com:8443/watch?v=dQw4w9WgXcQ",
        "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
        "data:text/html,<script>alert(1)</script>",
        "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
        "//youtube.com/watch?v=dQw4w9WgXcQ",
        "youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        'https://www.youtube.com/watch?v=dQw4w9WgX"><script>',
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ\n<script>",
        "https://www.youtube.com/channel/UC38IQsAvIsxxjztdMZQtwHA",
        "https://www.youtube.com/embed/dQw4w9WgXcQ/../../evil",
        "https://youtu.be/",
        "https://vimeo.com/about",
        "https://vimeo.com/76979871/not-a-hash",
        "https://rutube.ru/video/not-an-id/",
        "https://vk.com/id1",
        "https://vk.com/video_ext.php?oid=1&id=2&hash=<x>",
        "https://vk.com/video_ext.php?oid=x&id=2",
        "https://" + "a" * 600 + ".youtube.com/watch?v=dQw4w9WgXcQ",
        "",
    ],
)
def test_anything_else_is_not_a_video(link):
    assert media_parse(link) is None


@pytest.fixture
def seller():
    user = UserFactory()
    SubscriptionFactory(user=user)
    return user


def test_the_watch_link_shown_is_rebuilt_too():
    embed = media_parse("https://youtu.be/dQw4w9WgXcQ?si=tracking&utm_source=x")

    assert embed.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert embed.provider == "YouTube"


def test_the_same_video_twice_is_kept_once_in_the_sellers_order():
    links = [
        " https://vimeo.com/76979871 ",
        "https://youtu.be/dQw4w9WgXcQ",
        "",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    ]

    assert media_links_unique(links) == [
        "https://vimeo.com/76979871",
        "https://youtu.be/dQw4w9WgXcQ",
    ]


def test_a_stored_link_that_is_not_a_video_is_only_text():
    items = media_items(
        [
            "https://example.com/my-video",
            "javascript:alert(1)",
            "https://youtu.be/dQw4w9WgXcQ",
        ]
    )

    assert [(item.embed is not None, item.href) for item in items] == [
        (False, "https://example.com/my-video"),
        (False, None),
        (True, "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
    ]


@pytest.mark.django_db
def test_an_auction_keeps_its_video_links(seller):
    auction = auction_create(
        seller=seller,
        title="Telescope",
        type="english",
        starting_price_stars=10,
        duration=timedelta(days=1),
        images=[upload()],
        media_links=["https://youtu.be/dQw4w9WgXcQ", "https://vimeo.com/76979871"],
    )

    auction.refresh_from_db()
    assert auction.media_links == [
        "https://youtu.be/dQw4w9WgXcQ",
        "https://vimeo.com/76979871",
    ]


@pytest.mark.django_db
def test_a_link_that_is_not_a_known_video_is_refused_with_the_reason(seller):
    with pytest.raises(AuctionInvalid) as refused:
        auction_create(
            seller=seller,
            title="Telescope",
            type="english",
            starting_price_stars=10,
            duration=timedelta(days=1),
            images=[upload()],
            media_links=["https://youtu.be/dQw4w9WgXcQ", "https://example.com/clip"],
        )

    [problem] = refused.value.problems
    assert problem.field == "media_links"
    assert str(problem) == (
        "“https://example.com/clip” is not a video we can show. Use a link to a "
        "video on YouTube, Vimeo, RuTube, VK Video."
    )


@pytest.mark.django_db
def test_more_than_five_videos_are_refused(seller):
    links = [f"https://vimeo.com/{number}" for number in range(1, 7)]

    with pytest.raises(AuctionInvalid) as refused:
        auction_create(
            seller=seller,
            title="Telescope",
            type="english",
            starting_price_stars=10,
            duration=timedelta(days=1),
            images=[upload()],
            media_links=links,
        )

    assert [str(problem) for problem in refused.value.problems] == [
        "Add at most 5 video links."
    ]


@pytest.mark.django_db
def test_the_seller_can_change_the_videos_before_the_first_bid(seller):
    auction = AuctionFactory(seller=seller, media_links=["https://vimeo.com/1"])

    auction_update(
        auction=auction, user=seller, media_links=["https://youtu.be/dQw4w9WgXcQ"]
    )

    auction.refresh_from_db()
    assert auction.media_links == ["https://youtu.be/dQw4w9WgXcQ"]
