"""What staff may do to any auction: cancel it (bids or not, every held star
given back, everyone told why) or close it now — audited, and refused where it
makes no sense."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notification_render
from accounts.tests.factories import StaffUserFactory, UserFactory
from auctions.errors import AuctionNotOpen
from auctions.models import Auction
from auctions.services import auction_close, bid_place
from auctions.services.staff import (
    StaffActionRefused,
    auction_cancel_by_staff,
    auction_close_now,
)
from auctions.tests.checks import assert_money_sound, holds_of
from auctions.tests.factories import AuctionFactory, WatchFactory
from payments.models import LedgerTransaction
from payments.tests.factories import funded_user

pytestmark = pytest.mark.django_db

Status = Auction.Status


@pytest.fixture
def staff():
    return StaffUserFactory()


def cancel_notices(auction: Auction) -> dict[int, str]:
    """{recipient: role} of the cancellation notices."""
    return {
        n.recipient_id: n.payload["role"]
        for n in Notification.objects.filter(
            kind="auction_cancelled_by_staff", event_key=f"auction:{auction.pk}:cancel"
        )
    }


def history(auction: Auction) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(auction.pk)).values_list(
            "change_message", flat=True
        )
    )


def test_staff_cancel_an_auction_with_bids_and_every_held_star_goes_back(staff):
    auction = AuctionFactory(title="Fake watch")
    alice, bob = funded_user(500), funded_user(500)
    watcher = WatchFactory(auction=auction).user
    bid_place(auction=auction, bidder=alice, amount=50)
    bid_place(auction=auction, bidder=bob, amount=60, max_amount=200)
    assert holds_of(auction) == {bob.pk: 200}

    cancelled = auction_cancel_by_staff(
        auction=auction, staff=staff, reason="  Counterfeit  item "
    )

    assert (cancelled.status, cancelled.close_outcome) == (
        Status.CANCELLED,
        Auction.Outcome.CANCELLED,
    )
    assert cancelled.closed_at is not None and cancelled.winner_id is None
    assert holds_of(auction) == {}
    for user in (alice, bob):
        user.refresh_from_db()
        assert (user.stars_balance, user.stars_held) == (500, 0)
    assert_money_sound(alice, bob, auction.seller)
    assert cancel_notices(auction) == {
        auction.seller_id: "seller",
        alice.pk: "bidder",
        bob.pk: "bidder",
        watcher.pk: "watcher",
    }
    release = LedgerTransaction.objects.filter(auction_id=auction.pk).latest("id")
    assert "cancelled by staff: Counterfeit item" in release.reason
    assert history(auction) == [
        "Cancelled by staff (200 held stars released): Counterfeit item"
    ]
    assert LogEntry.objects.get().user == staff


def test_the_cancel_notice_tells_each_person_the_reason():
    auction = AuctionFactory(title="Fake watch")
    bidder = funded_user(100)
    bid_place(auction=auction, bidder=bidder, amount=20)
    auction_cancel_by_staff(auction=auction, staff=StaffUserFactory(), reason="Fake")

    texts = {
        n.payload["role"]: notification_render(
            kind=n.kind, payload=n.payload, recipient=n.recipient
        ).text
        for n in Notification.objects.filter(kind="auction_cancelled_by_staff")
    }

    assert texts["seller"].startswith(
        "Your auction “Fake watch” was cancelled by the moderators. Reason: Fake"
    )
    assert texts["bidder"].startswith(
        "“Fake watch” was cancelled by the moderators. Your held stars are available "
        "again. Reason: Fake"
    )


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
@pytest.mark.parametrize("role", ["seller", "bidder", "watcher"])
def test_the_cancel_notice_renders_in_every_language_with_the_link(language, role):
    payload = {
        "auction": str(uuid.UUID(int=9)),
        "title": "Old clock",
        "reason": "Counterfeit",
        "role": role,
    }
    message = notification_render(
        kind="auction_cancelled_by_staff",
        payload=payload,
        recipient=UserFactory.build(language=language),
    )
    assert "Old clock" in message.text and "Counterfeit" in message.text
    assert message.text.endswith(f"/auction/{payload['auction']}")


def test_a_cancelled_auction_takes_no_more_bids_and_is_never_closed(staff):
    auction = AuctionFactory()
    auction_cancel_by_staff(auction=auction, staff=staff, reason="Duplicate")
    Auction.objects.filter(pk=auction.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(AuctionNotOpen):
        bid_place(auction=auction, bidder=funded_user(100), amount=20)
    assert not auction_close(auction_id=auction.pk).closed


def test_staff_can_cancel_a_scheduled_auction(staff):
    auction = AuctionFactory(
        status=Status.SCHEDULED, starts_at=timezone.now() + timedelta(hours=1)
    )
    assert auction_cancel_by_staff(
        auction=auction, staff=staff, reason="Spam"
    ).status == (Status.CANCELLED)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_cancel_needs_a_reason(staff, reason):
    auction = AuctionFactory()

    with pytest.raises(StaffActionRefused, match="Give a reason"):
        auction_cancel_by_staff(auction=auction, staff=staff, reason=reason)

    auction.refresh_from_db()
    assert auction.status == Status.ACTIVE


def test_an_ended_or_cancelled_auction_cannot_be_cancelled(staff):
    finished = AuctionFactory(due=True)
    auction_close(auction_id=finished.pk)
    cancelled = AuctionFactory()
    auction_cancel_by_staff(auction=cancelled, staff=staff, reason="Spam")

    with pytest.raises(AuctionNotOpen, match="already ended"):
        auction_cancel_by_staff(auction=finished, staff=staff, reason="Late")
    with pytest.raises(AuctionNotOpen, match="already cancelled"):
        auction_cancel_by_staff(auction=cancelled, staff=staff, reason="Again")
    assert Notification.objects.filter(kind="auction_cancelled_by_staff").count() == 1


def test_only_staff_act_on_other_peoples_auctions():
    auction = AuctionFactory()
    user = UserFactory()

    with pytest.raises(StaffActionRefused):
        auction_cancel_by_staff(auction=auction, staff=user, reason="Mine now")
    with pytest.raises(StaffActionRefused):
        auction_close_now(auction=auction, staff=user)
    auction.refresh_from_db()
    assert auction.status == Status.ACTIVE


def test_close_now_ends_a_running_auction_at_once_and_sells_to_the_leader(staff):
    auction = AuctionFactory()
    alice, bob = funded_user(500), funded_user(500)
    bid_place(auction=auction, bidder=alice, amount=50)
    bid_place(auction=auction, bidder=bob, amount=70)
    before = timezone.now()

    result = auction_close_now(auction=auction, staff=staff)

    assert (
        result.closed,
        result.outcome,
        result.winner_id,
        result.final_price_stars,
    ) == (
        True,
        Auction.Outcome.SOLD,
        bob.pk,
        70,
    )
    auction.refresh_from_db()
    assert auction.status == Status.FINISHED
    assert before <= auction.ends_at <= timezone.now()
    assert auction.closed_at == auction.ends_at
    assert Notification.objects.filter(
        kind="auction_won", recipient=bob, event_key=f"auction:{auction.pk}:close"
    ).exists()
    assert history(auction) == ["Closed now by staff: sold"]
    assert_money_sound(alice, bob, auction.seller)


def test_close_now_of_an_auction_already_past_its_end_keeps_that_end(staff):
    auction = AuctionFactory(due=True)
    end = auction.ends_at

    auction_close_now(auction=auction, staff=staff)

    auction.refresh_from_db()
    assert (auction.status, auction.ends_at) == (Status.FINISHED, end)


def test_close_now_refuses_what_is_not_running(staff):
    scheduled = AuctionFactory(
        status=Status.SCHEDULED, starts_at=timezone.now() + timedelta(hours=1)
    )
    finished = AuctionFactory(due=True)
    auction_close(auction_id=finished.pk)

    with pytest.raises(AuctionNotOpen, match="not started yet"):
        auction_close_now(auction=scheduled, staff=staff)
    with pytest.raises(AuctionNotOpen, match="already ended"):
        auction_close_now(auction=finished, staff=staff)
    assert LogEntry.objects.count() == 0
