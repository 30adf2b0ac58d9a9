"""The private dashboard (/dashboard, also at /profile) and the public profile
(/users/<id>)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import NotificationFactory, UserFactory
from auctions.models import Auction
from auctions.services import bid_place
from auctions.tests.factories import AuctionFactory
from payments.tests.factories import SubscriptionFactory, funded_user

pytestmark = pytest.mark.django_db


def sold(seller, winner, price=40, **kwargs) -> Auction:
    return AuctionFactory(
        seller=seller,
        winner=winner,
        status=Auction.Status.FINISHED,
        close_outcome=Auction.Outcome.SOLD,
        final_price_stars=price,
        current_price_stars=price,
        closed_at=timezone.now() - timedelta(hours=1),
        **kwargs,
    )


def section(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}".*?</section>', html, re.S)
    assert match, testid
    return match.group(0)


def test_the_dashboard_needs_a_login(client):
    response = client.get("/dashboard")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/dashboard"


def test_profile_is_the_same_dashboard(client):
    client.force_login(UserFactory(first_name="Nadia", last_name=""))

    for path in ("/dashboard", "/profile"):
        response = client.get(path)
        assert response.status_code == 200
        assert "accounts/dashboard.html" in [t.name for t in response.templates]


def test_active_bids_say_whether_the_user_leads_or_was_outbid(client):
    me = funded_user(stars=500)
    rival = funded_user(stars=500)
    leading = AuctionFactory(title="Brass lamp")
    outbid = AuctionFactory(title="Old map")
    sealed = AuctionFactory(title="Secret box", sealed=True)
    bid_place(auction=leading, bidder=me, amount=20)
    bid_place(auction=outbid, bidder=me, amount=15)
    bid_place(auction=outbid, bidder=rival, amount=30)
    bid_place(auction=sealed, bidder=me, amount=25)
    client.force_login(me)

    html = section(client.get("/dashboard").content.decode(), "dashboard-bids")

    rows = re.findall(r'data-testid="dashboard-bid">(.*?)</li>', html, re.S)
    states = {
        re.search(r'class="fw-semibold text-break">(.*?)</a>', row).group(1): re.search(
            r'data-testid="bid-state">(.*?)</span>', row
        ).group(1)
        for row in rows
    }
    assert states == {
        "Brass lamp": "Leading",
        "Old map": "Outbid",
        "Secret box": "Sealed bid",
    }
    assert "Your bid: 20 ⭐" in html
    assert "held 20 ⭐" in html  # the leader's stars are held
    assert "Price 30 ⭐" in html  # the outbid one shows the price to beat


def test_the_dashboard_shows_balance_holds_selling_won_and_notifications(client):
    me = funded_user(stars=300, first_name="Nadia", last_name="")
    AuctionFactory(seller=me, title="My teapot")
    AuctionFactory(seller=me, title="My draft", status=Auction.Status.DRAFT)
    sold(seller=UserFactory(first_name="Omar", last_name=""), winner=me, title="Vase")
    NotificationFactory(
        recipient=me,
        kind="payment_credited",
        payload={"amount": 300, "balance": 300},
    )
    bid_place(auction=AuctionFactory(), bidder=me, amount=50)
    SubscriptionFactory(user=me, ends_at=timezone.now() + timedelta(days=3))
    client.force_login(me)

    html = client.get("/dashboard").content.decode()

    assert 'data-testid="balance-available">250 ⭐' in html
    assert 'data-testid="balance-held">50 ⭐' in html
    selling = section(html, "dashboard-selling")
    assert "My teapot" in selling
    assert "My draft" in selling
    assert re.search(r'data-testid="auction-status">Active<', selling)
    assert re.search(r'data-testid="auction-status">Draft<', selling)
    won = section(html, "dashboard-won")
    assert "Vase" in won and "from Omar" in won and "40 ⭐" in won
    notes = section(html, "dashboard-notifications")
    assert "300 stars were credited to your balance." in notes
    assert "Active until" in html
    assert 'data-testid="subscription-action">' in html


def test_notifications_link_to_their_auction_instead_of_printing_the_url(client):
    me = UserFactory()
    auction = AuctionFactory(title="Clock")
    NotificationFactory(
        recipient=me,
        kind="auction_outbid",
        payload={
            "auction": str(auction.uuid),
            "title": "Clock",
            "price": 30,
            "next_bid": 31,
        },
    )
    client.force_login(me)

    notes = section(
        client.get("/dashboard").content.decode(), "dashboard-notifications"
    )

    assert "You have been outbid on “Clock”" in notes
    assert f'href="/auction/{auction.uuid}"' in notes
    assert "http://" not in notes


def test_kinds_turned_off_on_the_site_are_not_listed(client):
    me = UserFactory()
    NotificationFactory(recipient=me, kind="payment_credited", payload={"amount": 5})
    NotificationFactory(recipient=me, kind="subscription_expired")
    client.force_login(me)
    client.post("/settings", {"subscription_expired:site": "on"})

    notes = section(
        client.get("/dashboard").content.decode(), "dashboard-notifications"
    )

    assert "Your subscription has ended." in notes
    assert "credited" not in notes


def test_only_the_ten_newest_notifications_are_listed(client):
    me = UserFactory()
    for number in range(12):
        NotificationFactory(
            recipient=me, kind="payment_credited", payload={"amount": number + 1}
        )
    client.force_login(me)

    notes = section(
        client.get("/dashboard").content.decode(), "dashboard-notifications"
    )

    assert notes.count('data-testid="dashboard-notification"') == 10
    assert "12 stars were credited" in notes
    assert "1 star was credited" not in notes


def test_the_dashboard_shows_the_connected_telegram_account_and_two_factor_state(
    client,
):
    client.force_login(UserFactory(telegram_username="nadia_k"))

    html = client.get("/dashboard").content.decode()

    assert "@nadia_k" in section(html, "dashboard-telegram")
    security = section(html, "dashboard-security")
    assert "Off" in security
    assert 'action="/2fa/setup/start"' in security


def test_another_users_rows_never_appear_on_my_dashboard(client):
    me = UserFactory()
    other = funded_user(stars=100)
    AuctionFactory(seller=other, title="Their lot")
    bid_place(auction=AuctionFactory(title="Their bid"), bidder=other, amount=20)
    NotificationFactory(recipient=other, kind="payment_credited", payload={"amount": 7})
    client.force_login(me)

    html = client.get("/dashboard").content.decode()

    assert "Their lot" not in html
    assert "Their bid" not in html
    assert "7 stars" not in html


def dashboard_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard")
    assert response.status_code == 200
    return len(queries)


def fill(user, rows: int) -> None:
    """`rows` of everything the dashboard lists."""
    rival = funded_user(stars=100 * rows)
    for number in range(rows):
        auction = AuctionFactory(title=f"Bid lot {number}")
        bid_place(auction=auction, bidder=user, amount=20)
        if number % 2:
            bid_place(auction=auction, bidder=rival, amount=40)
        AuctionFactory(seller=user, title=f"Own lot {number}")
        sold(seller=rival, winner=user, title=f"Won lot {number}")
        NotificationFactory(
            recipient=user, kind="payment_credited", payload={"amount": number + 1}
        )
    SubscriptionFactory(user=user)


def test_the_dashboard_makes_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    few = funded_user(stars=1000)
    fill(few, rows=1)
    many = funded_user(stars=10_000)
    fill(many, rows=25)

    baseline = dashboard_queries(client, few)
    client.force_login(many)

    with django_assert_max_num_queries(baseline):
        html = client.get("/dashboard").content.decode()
    assert html.count('data-testid="dashboard-bid"') == 20
    assert html.count('data-testid="dashboard-won-item"') == 10
    assert html.count('data-testid="dashboard-notification"') == 10
    # Session, user, subscription, and the four lists.
    assert baseline <= 8


# -- public profile ---------------------------------------------------------------


def test_the_public_profile_shows_name_member_since_and_counts(client):
    member = funded_user(stars=900, first_name="Layla", last_name="Haddad")
    buyer = UserFactory()
    sold(seller=member, winner=buyer)
    sold(seller=member, winner=buyer)
    sold(seller=buyer, winner=member)
    AuctionFactory(seller=member, title="Silver ring")
    AuctionFactory(
        seller=member,
        status=Auction.Status.FINISHED,
        close_outcome=Auction.Outcome.NO_BIDS,
        closed_at=timezone.now(),
    )

    response = client.get(f"/users/{member.pk}")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="member-name">Layla Haddad<' in html
    assert "Member since" in html
    assert 'data-testid="member-sold">2<' in html
    assert 'data-testid="member-won">1<' in html
    assert "Silver ring" in html


def test_the_public_profile_hides_everything_private(client):
    member = funded_user(
        stars=900, first_name="Layla", last_name="", telegram_username="layla_h"
    )
    bid_place(auction=AuctionFactory(title="Hidden bid"), bidder=member, amount=33)
    NotificationFactory(
        recipient=member, kind="payment_credited", payload={"amount": 9}
    )
    client.force_login(UserFactory())

    html = client.get(f"/users/{member.pk}").content.decode()

    for private in (
        "867",  # available stars (900 - 33)
        "900",
        "33",  # bid and held stars
        "Hidden bid",
        str(member.telegram_id),
        "layla_h",
        "credited",
        "balance-available",
    ):
        # Whole words only: a CSRF token or an asset hash may contain "33".
        assert not re.search(rf"\b{re.escape(private)}\b", html), private


def test_an_unknown_or_deactivated_member_is_not_found(client):
    gone = UserFactory(is_active=False)

    assert client.get(f"/users/{gone.pk}").status_code == 404
    assert client.get("/users/999999").status_code == 404


def test_the_dashboard_links_to_the_public_profile_and_settings(client):
    me = UserFactory()
    client.force_login(me)

    html = client.get("/dashboard").content.decode()

    assert f'href="/users/{me.pk}"' in html
    assert 'href="/settings"' in html
