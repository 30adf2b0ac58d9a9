"""Video links on an auction page: YouTube, Vimeo, RuTube and VK Video only.

A link is taken apart and checked against a strict allow-list of hosts and URL
shapes; the player is then built from the parsed video id alone, so nothing the
seller typed ever reaches an `<iframe src>` or the HTML as markup. YouTube plays
from youtube-nocookie.com and Vimeo with `dnt=1`: no tracking cookies until the
viewer presses play.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

MAX_MEDIA_LINKS = 5
MAX_LINK_LENGTH = 500
PROVIDERS = "YouTube, Vimeo, RuTube, VK Video"

_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_PATH = re.compile(r"/(?:shorts|embed|live|v)/([A-Za-z0-9_-]{11})/?")
_YOUTUBE_TIME = re.compile(r"(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?")
_VIMEO_PATH = re.compile(
    r"/(?:channels/[A-Za-z0-9_-]{1,64}/|video/)?(\d{1,12})(?:/([0-9a-f]{6,20}))?/?"
)
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,20}")
_RUTUBE_PATH = re.compile(r"/(?:video|shorts|play/embed)/([0-9a-f]{32})/?")
_VK_PATH = re.compile(r"/video(-?\d{1,19})_(\d{1,19})/?")
_VK_NUMBER = re.compile(r"-?\d{1,19}")
_VK_HASH = re.compile(r"[0-9a-f]{1,32}")


@dataclass(frozen=True)
class MediaEmbed:
    """A recognised video: where to watch it and the player to embed, both built
    from the parsed id."""

    provider: str
    url: str
    embed_url: str


def _query(parts: SplitResult) -> dict[str, str]:
    """The first value of each query parameter."""
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


def _youtube_start(value: str | None) -> int | None:
    """`t=90`, `t=90s` or `t=1m30s`: the second to start at."""
    match = _YOUTUBE_TIME.fullmatch(value or "")
    if not value or match is None:
        return None
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds or None


def _youtube(parts: SplitResult, short: bool) -> MediaEmbed | None:
    query = _query(parts)
    if short:
        video_id = parts.path.strip("/")
    elif parts.path.rstrip("/") == "/watch":
        video_id = query.get("v", "")
    else:
        match = _YOUTUBE_PATH.fullmatch(parts.path)
        video_id = match.group(1) if match else ""
    if not _YOUTUBE_ID.fullmatch(video_id):
        return None
    start = _youtube_start(query.get("t") or query.get("start"))
    url = f"https://www.youtube.com/watch?v={video_id}"
    embed_url = f"https://www.youtube-nocookie.com/embed/{video_id}"
    if start:
        url += f"&t={start}s"
        embed_url += f"?start={start}"
    return MediaEmbed("YouTube", url, embed_url)


def _vimeo(parts: SplitResult) -> MediaEmbed | None:
    match = _VIMEO_PATH.fullmatch(parts.path)
    if match is None:
        return None
    video_id, secret = match.groups()
    # An unlisted video needs its hash (in the path, or `h=` on player links).
    secret = secret or _query(parts).get("h")
    params = {"dnt": "1"}
    url = f"https://vimeo.com/{video_id}"
    if secret:
        if not _VIMEO_HASH.fullmatch(secret):
            return None
        params["h"] = secret
        url += f"/{secret}"
    embed_url = f"https://player.vimeo.com/video/{video_id}?{urlencode(params)}"
    return MediaEmbed("Vimeo", url, embed_url)


def _rutube(parts: SplitResult) -> MediaEmbed | None:
    match = _RUTUBE_PATH.fullmatch(parts.path)
    if match is None:
        return None
    video_id = match.group(1)
    return MediaEmbed(
        "RuTube",
        f"https://rutube.ru/video/{video_id}/",
        f"https://rutube.ru/play/embed/{video_id}",
    )


def _vk(parts: SplitResult) -> MediaEmbed | None:
    query = _query(parts)
    secret = None
    if parts.path == "/video_ext.php":
        owner, video_id = query.get("oid", ""), query.get("id", "")
        if not (_VK_NUMBER.fullmatch(owner) and _VK_NUMBER.fullmatch(video_id)):
            return None
        secret = query.get("hash")
        if secret is not None and not _VK_HASH.fullmatch(secret):
            return None
    else:
        match = _VK_PATH.fullmatch(parts.path)
        if match is None:
            return None
        owner, video_id = match.groups()
    params = {"oid": owner, "id": video_id, "hd": "2"}
    if secret:
        params["hash"] = secret
    return MediaEmbed(
        "VK Video",
        f"https://vkvideo.ru/video{owner}_{video_id}",
        f"https://vkvideo.ru/video_ext.php?{urlencode(params)}",
    )


_HOSTS: dict[str, Callable[[SplitResult], MediaEmbed | None]] = {
    **{
        host: lambda parts: _youtube(parts, short=False)
        for host in (
            "youtube.com",
            "www.youtube.com",
            "m.youtube.com",
            "youtube-nocookie.com",
            "www.youtube-nocookie.com",
        )
    },
    "youtu.be": lambda parts: _youtube(parts, short=True),
    **dict.fromkeys(("vimeo.com", "www.vimeo.com", "player.vimeo.com"), _vimeo),
    **dict.fromkeys(("rutube.ru", "www.rutube.ru"), _rutube),
    **dict.fromkeys(
        (
            "vk.com",
            "www.vk.com",
            "m.vk.com",
            "vk.ru",
            "m.vk.ru",
            "vkvideo.ru",
            "www.vkvideo.ru",
            "m.vkvideo.ru",
        ),
        _vk,
    ),
}


def media_parse(link: str) -> MediaEmbed | None:
    """The video a link points to, or None when it is not one of ours: another
    host (a look-alike such as youtube.com.example.org included), another
    scheme, a port, a user name, or a path that is not a video page."""
    link = (link or "").strip()
    if not link or len(link) > MAX_LINK_LENGTH:
        return None
    if any(char.isspace() or ord(char) < 32 for char in link):
        return None
    try:
        parts = urlsplit(link)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    if parts.username is not None or parts.password is not None or port is not None:
        return None
    parser = _HOSTS.get((parts.hostname or "").lower())
    return parser(parts) if parser else None


def media_links_unique(links: Iterable[str]) -> list[str]:
    """The links stripped, without blanks and without a second link to the same
    video (kept in the seller's order)."""
    seen: set[str] = set()
    unique = []
    for link in links:
        link = link.strip()
        embed = media_parse(link)
        key = embed.url if embed else link
        if link and key not in seen:
            seen.add(key)
            unique.append(link)
    return unique


def _is_web_link(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class MediaItem:
    """One stored link as the page shows it: a player, or else plain text (a
    link only when it is http(s))."""

    embed: MediaEmbed | None
    text: str
    href: str | None


def media_items(links: Iterable[str]) -> list[MediaItem]:
    items = []
    for link in links or ():
        if not isinstance(link, str) or not link.strip():
            continue
        embed = media_parse(link)
        if embed is not None:
            items.append(MediaItem(embed, embed.url, embed.url))
            continue
        # Not ours (say, typed in by staff in the admin): never a player.
        text = link.strip()[:MAX_LINK_LENGTH]
        items.append(MediaItem(None, text, text if _is_web_link(text) else None))
    return items
