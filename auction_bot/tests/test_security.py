"""Security across the site: another user's private pages and actions are not
found or refused (IDOR), every post needs the CSRF token, and no address gets
past the second step of a log-in.

The CSRF and two-factor checks walk the project's URL configuration, so a page
added later is covered without touching this file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import NotificationPreference, User
from accounts.tests.factories import NotificationFactory, UserFactory
from accounts.tests.otp import code_for, forget_attempts
from accounts.tests.test_login import encode, sign, start_telegram_login
from accounts.tests.test_login import telegram_fields as signed_fields
from auctions.models import Auction, Bid, Watch
from auctions.services import bid_place, watch
from auctions.tests.factories import AuctionFactory
from payments.models import LedgerEntry, Payment, Subscription
from payments.tests.factories import PaymentFactory, SubscriptionFactory, funded_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_attempts(db) -> Iterator[None]:
    """Wrong-code counters live in the shared cache, which outlives a test."""
    yield
    forget_attempts()


def logged_in(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def snapshot(*users: User) -> dict[str, Any]:
    """What a refused request must leave exactly as it was."""
    state: dict[str, Any] = {
        model.__name__: model.objects.count()
        for model in (
            Auction,
            Bid,
            Watch,
            Payment,
            Subscription,
            LedgerEntry,
            NotificationPreference,
            TOTPDevice,
        )
    }
    state["auctions"] = list(
        Auction.objects.order_by("pk").values_list("title", "status", "ends_at")
    )
    for user in users:
        user.refresh_from_db()
        state[f"user {user.pk}"] = (
            user.stars_balance,
            user.stars_held,
            user.language,
            user.two_factor_enabled,
        )
    return state


# -- IDOR: another user's things -----------------------------------------------


def test_another_users_payment_and_its_status_are_not_found():
    owner = UserFactory()
    payment = PaymentFactory(user=owner, amount_stars=777)
    stranger = logged_in(UserFactory())

    for path in (f"/buy_stars/{payment.pk}", f"/buy_stars/{payment.pk}/status"):
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert "777" not in response.content.decode()
    htmx = stranger.get(
        f"/buy_stars/{payment.pk}/status", headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 404
    # The owner sees both.
    owner_client = logged_in(owner)
    assert owner_client.get(f"/buy_stars/{payment.pk}").status_code == 200
    assert owner_client.get(f"/buy_stars/{payment.pk}/status").json()["id"] == (
        payment.pk
    )


@pytest.mark.parametrize("status", [Auction.Status.ACTIVE, Auction.Status.DRAFT])
def test_someone_else_cannot_open_the_edit_page_of_an_auction(status):
    auction = AuctionFactory(status=status, title="Seller's own words")
    stranger = logged_in(UserFactory())

    response = stranger.get(f"/auction/{auction.uuid}/edit")

    assert response.status_code == 404
    assert "Seller&#x27;s own words" not in response.content.decode()


def test_the_seller_opens_their_own_edit_page():
    auction = AuctionFactory()

    response = logged_in(auction.seller).get(f"/auction/{auction.uuid}/edit")

    assert response.status_code == 200


def test_someone_else_cannot_change_or_cancel_an_auction():
    auction = AuctionFactory(title="Brass lamp")
    stranger = logged_in(UserFactory())
    before = snapshot(auction.seller)

    edit = stranger.post(
        f"/auction/{auction.uuid}/edit",
        {"title": "Mine now", "description": "x", "starting_price_stars": 1},
    )
    cancel = stranger.post(f"/auction/{auction.uuid}/cancel")

    assert (edit.status_code, cancel.status_code) == (404, 404)
    auction.refresh_from_db()
    assert (auction.title, auction.status) == ("Brass lamp", Auction.Status.ACTIVE)
    assert snapshot(auction.seller) == before


def test_even_the_leading_bidder_cannot_close_someone_elses_auction():
    auction = AuctionFactory(perpetual=True)
    leader = funded_user(stars=100)
    bid_place(auction=auction, bidder=leader, amount=20)

    response = logged_in(leader).post(f"/auction/{auction.uuid}/close")

    assert "Only the seller can close this auction." in response.content.decode()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ACTIVE
    assert auction.winner_id is None


DRAFT_POSTS = ["watch", "unwatch", "bid", "max", "buy_now", "accept", "close"]


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_a_draft_is_not_found_by_visitors_or_other_members(viewer):
    draft = AuctionFactory(status=Auction.Status.DRAFT, title="Unfinished draft")
    client = Client() if viewer == "visitor" else logged_in(funded_user(stars=500))

    assert client.get(f"/auction/{draft.uuid}").status_code == 404
    assert client.get(f"/auction/{draft.uuid}/live").status_code == 404
    assert "Unfinished draft" not in client.get("/").content.decode()
    assert "Unfinished draft" not in (
        client.get(f"/users/{draft.seller_id}").content.decode()
    )


@pytest.mark.parametrize("action", DRAFT_POSTS)
def test_nobody_can_watch_bid_on_or_buy_a_draft(action):
    draft = AuctionFactory(status=Auction.Status.DRAFT, buy_now_price_stars=50)
    member = funded_user(stars=500)
    before = snapshot(member, draft.seller)

    response = logged_in(member).post(
        f"/auction/{draft.uuid}/{action}", {"amount": 20, "max_amount": 30}
    )

    assert response.status_code == 404
    assert snapshot(member, draft.seller) == before
    assert not Watch.objects.filter(auction=draft).exists()


def test_no_address_shows_another_members_private_data():
    owner = funded_user(stars=900, first_name="Layla", last_name="")
    lot = AuctionFactory(title="Layla's secret bid")
    bid_place(auction=lot, bidder=owner, amount=33)
    watched = AuctionFactory(title="Layla watches this")
    watch(user=owner, auction=watched)
    AuctionFactory(seller=owner, status=Auction.Status.DRAFT, title="Layla's draft")
    NotificationFactory(
        recipient=owner, kind="payment_credited", payload={"amount": 4321}
    )
    payment = PaymentFactory(user=owner, amount_stars=654)
    stranger = funded_user(stars=10)
    client = logged_in(stranger)

    pages = [
        "/dashboard",
        f"/dashboard?user={owner.pk}",
        f"/profile?user_id={owner.pk}",
        f"/users/{owner.pk}",
        "/watchlist",
        f"/watchlist?user={owner.pk}",
        "/my_auctions",
        "/my_auctions?tab=bidding",
        "/my_auctions?tab=won",
        f"/my_auctions?tab=bidding&user={owner.pk}",
        "/balance",
        f"/balance?user={owner.pk}",
        "/settings",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        for private in (
            "Layla&#x27;s secret bid",
            "Layla watches this",
            "Layla&#x27;s draft",
            "4321",
            "867",  # her available stars (900 - 33)
            "654",
            f"/buy_stars/{payment.pk}",
            str(owner.telegram_id),
        ):
            assert private not in html, (path, private)


def test_the_admin_is_closed_to_members_who_are_not_staff():
    client = logged_in(UserFactory())

    for path in ("/admin/", "/admin/auctions/auction/", "/admin/payments/payment/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


# -- walking the URL configuration ----------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # a concrete address for the pattern
    name: str
    namespace: str
    view: Any


REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _concrete(route: str, values: dict[str, str]) -> str | None:
    route = route.replace("^", "").replace("$", "")
    names = REGEX_GROUP.findall(route) + ROUTE_PARAM.findall(REGEX_GROUP.sub("", route))
    if any(name not in values for name in names):
        return None
    route = REGEX_GROUP.sub(lambda m: values[m.group(1)], route)
    return "/" + ROUTE_PARAM.sub(lambda m: values[m.group(1)], route)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern, namespace


def site_routes(values: dict[str, str]) -> list[Route]:
    """One concrete address per routed pattern (the one that answers it: a path
    shadowed by an earlier pattern is its first pattern), without the media
    files and the admin pages that need an object id."""
    routes: dict[str, Route] = {}
    for route, pattern, namespace in _walk(get_resolver().url_patterns):
        if pattern.callback.__module__ == "django.views.static":
            continue
        path = _concrete(route, values)
        if path is None or path in routes:
            continue
        match = resolve(path)
        routes[path] = Route(path, match.url_name or "", namespace, match.func)
    return list(routes.values())


ROUTE_VALUES = {
    "uuid": "",  # an auction's, filled per test
    "payment_id": "",
    "user_id": "",
    "key": "abc",
    "uidb36": "1",
}


@pytest.fixture
def world() -> dict[str, Any]:
    """A member who could do anything (stars, a subscription, a pending payment)
    and a running auction of someone else's to do it on."""
    member = funded_user(stars=500)
    SubscriptionFactory(user=member)
    auction = AuctionFactory(perpetual=True, buy_now_price_stars=None)
    payment = PaymentFactory(user=member)
    values = {
        **ROUTE_VALUES,
        "uuid": str(auction.uuid),
        "payment_id": str(payment.pk),
        "user_id": str(auction.seller_id),
    }
    return {"member": member, "auction": auction, "values": values}


# Anything a form might ask for: a post that got past CSRF would have what it needs.
FORM_DATA = {
    "amount": "20",
    "max_amount": "40",
    "language": "ru",
    "next": "/",
    "code": "123456",
    "idempotency_key": "a" * 32,
    "title": "Changed",
    "auction_won:email": "on",
    "tgAuthResult": "e30",
}


# -- CSRF ----------------------------------------------------------------------


def test_the_csrf_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_no_view_is_exempt_from_csrf_except_the_telegram_log_in_callback():
    """Telegram's callback is a cross-site post by design; it is protected by the
    one-time `state` kept in the session instead (tested below)."""
    exempt = {
        str(route)
        for route, pattern, _ns in _walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "csrf_exempt", False)
    }

    assert exempt == {"accounts/telegram/login/callback/"}


def test_every_post_without_the_token_is_refused_and_changes_nothing(world):
    member = world["member"]
    seller = world["auction"].seller
    client = logged_in(member, enforce_csrf_checks=True)
    routes = [
        route
        for route in site_routes(world["values"])
        if route.name != "telegram_login_callback"
    ]
    assert len(routes) > 40  # the walk really found the site
    before = snapshot(member, seller)

    accepted = []
    for route in routes:
        response = client.post(route.path, FORM_DATA)
        if response.status_code != 403:
            accepted.append((route.path, response.status_code))
        # htmx posts carry the token in a header; without it, the same refusal.
        response = client.post(route.path, FORM_DATA, headers={"HX-Request": "true"})
        if response.status_code != 403:
            accepted.append((route.path, response.status_code, "htmx"))

    assert accepted == []
    assert snapshot(member, seller) == before


def test_the_refusal_is_the_friendly_csrf_page_in_the_users_language(world):
    member = world["member"]
    member.language = "ru"
    member.save(update_fields=["language"])
    client = logged_in(member, enforce_csrf_checks=True)

    response = client.post(f"/auction/{world['auction'].uuid}/bid", {"amount": 20})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="ru"' in response.content.decode()


def _token(client: Client) -> str:
    client.get("/")  # any page with a form sets the cookie
    return client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.mark.parametrize(
    ("path", "data", "changed"),
    [
        ("bid", {"amount": "20"}, lambda w: Bid.objects.filter(bidder=w["member"])),
        ("watch", {}, lambda w: Watch.objects.filter(user=w["member"])),
        ("/language", {"language": "ru", "next": "/"}, None),
    ],
)
def test_the_same_post_with_the_token_goes_through(world, path, data, changed):
    """The refusals above are CSRF's, not something else about the request."""
    client = logged_in(world["member"], enforce_csrf_checks=True)
    token = _token(client)
    url = path if path.startswith("/") else f"/auction/{world['auction'].uuid}/{path}"

    without = client.post(url, data)
    with_token = client.post(url, {**data, "csrfmiddlewaretoken": token})

    assert without.status_code == 403
    assert with_token.status_code == 302
    if changed is None:
        world["member"].refresh_from_db()
        assert world["member"].language == "ru"
    else:
        assert changed(world).count() == 1


def test_an_htmx_post_with_the_token_in_its_header_goes_through(world):
    client = logged_in(world["member"], enforce_csrf_checks=True)
    token = _token(client)

    response = client.post(
        f"/auction/{world['auction'].uuid}/bid",
        {"amount": "20"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )

    assert response.status_code == 200
    assert Bid.objects.filter(bidder=world["member"]).count() == 1


def test_a_post_from_another_site_is_refused_even_with_a_token(world):
    client = logged_in(world["member"], enforce_csrf_checks=True)
    token = _token(client)

    response = client.post(
        f"/auction/{world['auction'].uuid}/bid",
        {"amount": "20", "csrfmiddlewaretoken": token},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert not Bid.objects.exists()


def test_a_telegram_log_in_cannot_be_forced_on_someone_elses_browser():
    """Login CSRF: an attacker starts a log-in in their own browser and makes the
    victim's browser post their signed data to the callback. The state belongs
    to the attacker's session, so the victim's browser is not logged in."""
    attacker = Client()
    callback = start_telegram_login(attacker)
    victim = Client(enforce_csrf_checks=True)

    response = victim.post(
        callback, {"tgAuthResult": encode(sign(signed_fields(id=424_242)))}
    )

    assert response.status_code == 400
    assert not User.objects.filter(telegram_id=424_242).exists()
    assert victim.get("/dashboard").status_code == 302  # still logged out


# -- the second factor -----------------------------------------------------------

# What an unverified session may still reach (accounts.middleware): the code
# step itself, log-out, the language switch and the health check. The admin
# asks for the code on its own log-in page.
TWO_FACTOR_EXEMPT = {
    "two_factor_verify",
    "logout",
    "account_logout",
    "language_set",
    "set_language",
    "healthz",
}


@pytest.fixture
def unverified(world) -> Client:
    """The member turned on 2FA, then logged in again with Telegram only."""
    member = world["member"]
    setup = logged_in(member)
    assert setup.post("/2fa/setup/start").status_code == 302
    device = TOTPDevice.objects.get(user=member)
    assert setup.post("/2fa/setup", {"code": code_for(device)}).status_code == 302
    member.refresh_from_db()
    assert member.two_factor_enabled
    return logged_in(member)


def test_no_address_gets_past_the_second_step(world, unverified):
    member = world["member"]
    routes = [
        route
        for route in site_routes(world["values"])
        if route.name not in TWO_FACTOR_EXEMPT and route.namespace != "admin"
    ]
    assert len(routes) > 40
    before = snapshot(member, world["auction"].seller)

    let_through = []
    for route in routes:
        for method in ("get", "post"):
            response = getattr(unverified, method)(route.path, FORM_DATA)
            location = response.get("Location", "")
            if not (
                response.status_code == 302 and location.startswith("/2fa/verify?")
            ):
                let_through.append((method, route.path, response.status_code))
        htmx = unverified.get(route.path, headers={"HX-Request": "true"})
        if not htmx.get("HX-Redirect", "").startswith("/2fa/verify?"):
            let_through.append(("htmx", route.path, htmx.status_code))

    assert let_through == []
    assert snapshot(member, world["auction"].seller) == before


def test_the_admin_asks_an_unverified_staff_member_for_the_code(world, unverified):
    member = world["member"]
    member.is_staff = True
    member.is_superuser = True
    member.save(update_fields=["is_staff", "is_superuser"])

    response = unverified.get("/admin/auctions/auction/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_after_the_code_the_same_addresses_open(world, unverified):
    member = world["member"]
    device = TOTPDevice.objects.get(user=member, confirmed=True)
    response = unverified.post(
        "/2fa/verify?next=/dashboard", {"code": code_for(device, steps_ahead=1)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard"

    for path in ("/dashboard", "/balance", f"/auction/{world['auction'].uuid}"):
        assert unverified.get(path).status_code == 200, path
