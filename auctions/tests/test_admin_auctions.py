"""The auctions admin as staff use it (logged in with a verified second factor):
filters, a page with pictures, bids and holds that cannot be edited, and the two
actions that call the services — with every refusal shown."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Notification
from accounts.tests.factories import StaffUserFactory, SuperUserFactory, UserFactory
from auctions.models import Auction, AuctionImage
from auctions.services import auction_close, bid_place
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, CategoryFactory
from auctions.tests.picture_files import image_bytes, upload
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db

LIST = "/admin/auctions/auction/"
Status = Auction.Status


def verified_login(client, user) -> None:
    """Logged in as if through the admin's password + TOTP form."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def staff(client):
    user = SuperUserFactory()
    verified_login(client, user)
    return user


class _FormFields(HTMLParser):
    """What a browser would post back from a page's main form: inputs (checked
    boxes only), textareas and the selected options."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.data[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def form_fields(page: str) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(page)
    return parser.data


def listed(response) -> list[Auction]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_needs_a_verified_second_factor(client):
    client.force_login(SuperUserFactory())
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_auctions_are_filtered_by_type_status_seller_and_end(client, staff):
    now = timezone.now()
    seller = UserFactory(username="sam_seller")
    english = AuctionFactory(seller=seller, ends_at=now + timedelta(minutes=30))
    sealed = AuctionFactory(sealed=True, ends_at=now + timedelta(days=3))
    overdue = AuctionFactory(perpetual=True, due=True)
    dutch_done = AuctionFactory(
        dutch=True, starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1)
    )
    auction_close(auction_id=dutch_done.pk)

    assert listed(client.get(LIST, {"type__exact": "sealed"})) == [sealed]
    assert listed(client.get(LIST, {"status__exact": "finished"})) == [dutch_done]
    assert listed(client.get(LIST, {"seller__id__exact": seller.pk})) == [english]
    assert listed(client.get(LIST, {"ends": "hour"})) == [english]
    assert set(listed(client.get(LIST, {"ends": "week"}))) == {english, sealed}
    assert listed(client.get(LIST, {"ends": "overdue"})) == [overdue]
    assert listed(client.get(LIST, {"q": "sam_seller"})) == [english]
    later = now + timedelta(days=3)
    by_day = {
        "ends_at__year": later.year,
        "ends_at__month": later.month,
        "ends_at__day": later.day,
    }
    assert listed(client.get(LIST, by_day)) == [sealed]
    page = client.get(LIST).content.decode()
    # The seller filter offers the sellers (and only them).
    assert f"seller__id__exact={seller.pk}" in page
    assert f"seller__id__exact={staff.pk}" not in page


def test_the_list_makes_a_fixed_number_of_queries(
    client, staff, django_assert_max_num_queries
):
    for _ in range(3):
        AuctionFactory(category=CategoryFactory())
    client.get(LIST)
    with django_assert_max_num_queries(14) as few:
        client.get(LIST)
    for _ in range(10):
        AuctionFactory(category=CategoryFactory(), winner=UserFactory())
    with django_assert_max_num_queries(len(few)):
        client.get(LIST)


def test_an_auction_page_shows_pictures_bids_and_holds_none_of_them_editable(
    client, staff
):
    auction = AuctionFactory(title="Old clock", reserve_price_stars=100)
    AuctionImage.objects.create(
        auction=auction,
        image=upload("clock.jpg", image_bytes()),
        thumbnail=upload("clock-thumb.jpg", image_bytes(size=(32, 24))),
        width=64,
        height=48,
    )
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=40)
    bid_place(auction=auction, bidder=bob, amount=55, max_amount=120)

    response = client.get(f"{LIST}{auction.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="title"' in page  # the words may be corrected
    for money in ("current_price_stars", "reserve_price_stars", "status", "ends_at"):
        assert f'name="{money}"' not in page
    assert "clock-thumb" in page and "<img" in page
    bids = response.context["inline_admin_formsets"][1]
    # Bob's maximum lifted the price to the reserve: an automatic step.
    assert [(f.original.amount, f.original.is_automatic) for f in bids] == [
        (100, True),
        (55, False),
        (40, False),
    ]
    holds = response.context["inline_admin_formsets"][2]
    assert [(f.original.user, f.original.amount_stars) for f in holds] == [(bob, 120)]
    for formset in response.context["inline_admin_formsets"]:
        assert not formset.has_add_permission and not formset.has_change_permission
    assert client.get(f"{LIST}add/").status_code == 403


def test_correcting_the_title_leaves_the_price_and_state_alone(client, staff):
    auction = AuctionFactory(title="Old clck", description="Ticks.")
    bid_place(auction=auction, bidder=funded_user(100), amount=20)
    url = f"{LIST}{auction.pk}/change/"
    data = form_fields(client.get(url).content.decode())
    data |= {"title": "Old clock", "current_price_stars": "1", "status": "cancelled"}
    # Meanwhile another bid commits: the save must not put the old price back.
    bid_place(auction=auction, bidder=funded_user(100), amount=30)

    response = client.post(url, data)

    assert response.status_code == 302
    auction.refresh_from_db()
    assert (auction.title, auction.current_price_stars, auction.status) == (
        "Old clock",
        30,
        Status.ACTIVE,
    )
    assert auction.bids.count() == 2


def test_cancel_asks_for_a_reason_first(client, staff):
    auction = AuctionFactory(title="Fake watch")

    response = client.post(
        LIST, {"action": "cancel_and_release", "_selected_action": [auction.pk]}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Fake watch" in page and 'name="reason"' in page
    auction.refresh_from_db()
    assert auction.status == Status.ACTIVE


def test_cancel_without_a_reason_shows_the_form_again_and_cancels_nothing(
    client, staff
):
    auction = AuctionFactory()

    response = client.post(
        LIST,
        {
            "action": "cancel_and_release",
            "_selected_action": [auction.pk],
            "apply": "yes",
            "reason": "  ",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    auction.refresh_from_db()
    assert auction.status == Status.ACTIVE


def test_cancel_with_a_reason_releases_holds_tells_everyone_and_reports_refusals(
    client, staff
):
    live = AuctionFactory(title="Fake watch")
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=live, bidder=alice, amount=40)
    bid_place(auction=live, bidder=bob, amount=50, max_amount=90)
    ended = AuctionFactory(title="Sold lamp", due=True)
    auction_close(auction_id=ended.pk)

    response = client.post(
        LIST,
        {
            "action": "cancel_and_release",
            "_selected_action": [live.pk, ended.pk],
            "apply": "yes",
            "reason": "Counterfeit",
        },
        follow=True,
    )

    assert sorted(messages_of(response)) == [
        "Fake watch: cancelled, held stars released.",
        "Sold lamp: This auction has already ended.",
    ]
    live.refresh_from_db()
    assert live.status == Status.CANCELLED and holds_of(live) == {}
    assert_money_sound(alice, bob, live.seller)
    assert set(
        Notification.objects.filter(kind="auction_cancelled_by_staff").values_list(
            "recipient_id", flat=True
        )
    ) == {live.seller_id, alice.pk, bob.pk}
    entry = LogEntry.objects.get(object_id=str(live.pk))
    assert (entry.user, entry.change_message) == (
        staff,
        "Cancelled by staff (90 held stars released): Counterfeit",
    )
    # The history page of the auction shows it.
    assert "Counterfeit" in client.get(f"{LIST}{live.pk}/history/").content.decode()


def test_close_now_closes_running_auctions_and_reports_those_it_cannot(client, staff):
    running = AuctionFactory(title="Brass lamp")
    bidder = funded_user(500)
    bid_place(auction=running, bidder=bidder, amount=45)
    scheduled = AuctionFactory(
        title="Next week",
        status=Status.SCHEDULED,
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=8),
    )

    response = client.post(
        LIST,
        {"action": "close_now", "_selected_action": [running.pk, scheduled.pk]},
        follow=True,
    )

    assert sorted(messages_of(response)) == [
        "Brass lamp: closed (sold).",
        "Next week: This auction has not started yet; cancel it instead.",
    ]
    running.refresh_from_db()
    assert (running.status, running.winner_id, running.final_price_stars) == (
        Status.FINISHED,
        bidder.pk,
        45,
    )
    scheduled.refresh_from_db()
    assert scheduled.status == Status.SCHEDULED


def test_staff_who_may_only_view_get_no_actions(client):
    user = StaffUserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_auction"))
    verified_login(client, user)
    auction = AuctionFactory()

    response = client.get(LIST)
    client.post(LIST, {"action": "close_now", "_selected_action": [auction.pk]})

    assert response.status_code == 200
    assert "close_now" not in response.content.decode()
    auction.refresh_from_db()
    assert auction.status == Status.ACTIVE
