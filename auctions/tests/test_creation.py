"""Selling: auction_create, auction_update and auction_cancel, every rule and
refusal. Pictures are real files made in memory; they are stored under the test
MEDIA_ROOT."""

from __future__ import annotations

import threading
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from PIL import Image

from accounts.tests.factories import UserFactory
from auction_bot.errors import DomainError
from auctions.errors import AuctionNotOpen
from auctions.models import Auction, AuctionImage, Category
from auctions.services import (
    AuctionInvalid,
    AuctionNotEditable,
    SellingNotAllowed,
    SubscriptionRequired,
    auction_cancel,
    auction_create,
    auction_update,
    bid_place,
)
from payments.selectors import ledger_discrepancies
from payments.tests.factories import SubscriptionFactory, funded_user

from .picture_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # The messages are compared word for word; an earlier test's request may
    # have left another language active in this thread.
    with translation.override("en"):
        yield


@pytest.fixture
def seller():
    user = UserFactory()
    SubscriptionFactory(user=user)
    return user


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return (
        {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()
    )


def english(seller, **overrides):
    terms = {
        "seller": seller,
        "title": "Vintage camera",
        "description": "Works, with its case.",
        "type": Auction.Type.ENGLISH,
        "starting_price_stars": 100,
        "duration": timedelta(days=3),
        "images": [upload("camera.jpg")],
    }
    terms.update(overrides)
    return auction_create(**terms)


def problems_of(refused: pytest.ExceptionInfo) -> dict[str | None, str]:
    return {problem.field: str(problem) for problem in refused.value.problems}


def test_a_subscriber_puts_up_an_english_auction_that_starts_now(seller):
    before = timezone.now()
    category = Category.objects.create(name="Cameras", slug="cameras")

    auction = english(
        seller,
        category=category,
        min_increment_stars=10,
        reserve_price_stars=300,
        buy_now_price_stars=900,
        images=[upload("front.jpg"), upload("back.png", image_bytes(fmt="PNG"))],
    )

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ACTIVE
    assert auction.seller == seller
    assert auction.category == category
    assert auction.current_price_stars == 100
    assert (auction.min_increment_stars, auction.reserve_price_stars) == (10, 300)
    assert auction.buy_now_price_stars == 900
    assert before <= auction.starts_at <= timezone.now()
    assert auction.ends_at - auction.starts_at == timedelta(days=3)
    # The soft close takes the model's defaults when the seller says nothing.
    assert (auction.soft_close_minutes, auction.extension_minutes) == (5, 5)
    assert auction.max_extensions == 10


def test_each_picture_is_stored_with_its_thumbnail_in_order(seller):
    auction = english(
        seller,
        images=[
            upload("first.jpg", image_bytes(size=(1200, 900))),
            upload("second.png", image_bytes(fmt="PNG", size=(300, 200))),
        ],
    )

    images = list(auction.images.all())
    assert [image.position for image in images] == [0, 1]
    assert [(image.width, image.height) for image in images] == [
        (1200, 900),
        (300, 200),
    ]
    with Image.open(images[0].thumbnail.path) as thumbnail:
        assert thumbnail.size == (480, 360)
    # Stored under a random name: the uploader's file name is not published.
    assert "first" not in images[0].image.name
    assert images[0].image.name.endswith(".jpg")
    assert images[1].image.name.endswith(".png")


def test_a_start_in_the_future_schedules_the_auction(seller):
    start = timezone.now() + timedelta(days=2)

    auction = english(seller, starts_at=start, duration=timedelta(hours=5))

    assert auction.status == Auction.Status.SCHEDULED
    assert auction.starts_at == start
    assert auction.ends_at == start + timedelta(hours=5)


def test_a_dutch_auction_keeps_its_step_interval_and_floor(seller):
    auction = english(
        seller,
        type=Auction.Type.DUTCH,
        starting_price_stars=1000,
        dutch_step_stars=50,
        dutch_interval_minutes=30,
        dutch_floor_stars=200,
    )

    auction.refresh_from_db()
    assert auction.type == Auction.Type.DUTCH
    assert (auction.dutch_step_stars, auction.dutch_interval_minutes) == (50, 30)
    assert auction.dutch_floor_stars == 200
    assert auction.current_price_stars == 1000


def test_a_sealed_auction_keeps_the_second_price_rule(seller):
    auction = english(
        seller,
        type=Auction.Type.SEALED,
        sealed_pricing=Auction.SealedPricing.SECOND_PRICE,
    )

    assert auction.sealed_pricing == Auction.SealedPricing.SECOND_PRICE


def test_a_sealed_auction_is_first_price_unless_the_seller_says_otherwise(seller):
    auction = english(seller, type=Auction.Type.SEALED)

    assert auction.sealed_pricing == Auction.SealedPricing.FIRST_PRICE


def test_a_perpetual_auction_ends_one_inactivity_window_after_its_start(seller):
    auction = english(
        seller,
        type=Auction.Type.PERPETUAL,
        duration=None,
        inactivity_minutes=6 * 60,
    )

    assert auction.inactivity_minutes == 360
    assert auction.ends_at - auction.starts_at == timedelta(hours=6)


def test_a_perpetual_auction_waits_a_day_by_default(seller):
    auction = english(seller, type=Auction.Type.PERPETUAL, duration=None)

    assert auction.ends_at - auction.starts_at == timedelta(hours=24)


# Refusals: who may sell


def test_without_a_subscription_nothing_is_created():
    user = UserFactory()

    with pytest.raises(SubscriptionRequired) as refused:
        english(user)

    assert str(refused.value).startswith("Subscribe to sell")
    assert not Auction.objects.exists()


def test_an_expired_subscription_does_not_count():
    user = UserFactory()
    SubscriptionFactory(
        user=user,
        started_at=timezone.now() - timedelta(days=31),
        ends_at=timezone.now() - timedelta(minutes=1),
    )

    with pytest.raises(SubscriptionRequired):
        english(user)


def test_a_suspended_subscriber_cannot_sell(seller):
    seller.is_suspended = True
    seller.save()

    with pytest.raises(SellingNotAllowed, match="suspended"):
        english(seller)

    assert not Auction.objects.exists()


# Refusals: the terms


def test_every_problem_with_the_terms_is_reported_at_once(seller):
    with pytest.raises(AuctionInvalid) as refused:
        english(seller, title="  ", starting_price_stars=0, duration=timedelta(0))

    assert set(problems_of(refused)) == {"title", "starting_price_stars", "duration"}
    assert str(refused.value) == "Give the auction a title."


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "x" * 201}, "title", "The title may be at most 200 characters."),
        (
            {"description": "x" * 5001},
            "description",
            "The description may be at most 5000 characters.",
        ),
        (
            {"starting_price_stars": -5},
            "starting_price_stars",
            "Enter a whole number of stars from 1 to 1000000000000.",
        ),
        (
            {"starting_price_stars": 10.5},
            "starting_price_stars",
            "Enter a whole number of stars from 1 to 1000000000000.",
        ),
        (
            {"starting_price_stars": True},
            "starting_price_stars",
            "Enter a whole number of stars from 1 to 1000000000000.",
        ),
        (
            {"min_increment_stars": 0},
            "min_increment_stars",
            "Enter a whole number of stars from 1 to 1000000000000.",
        ),
        (
            {"reserve_price_stars": 99},
            "reserve_price_stars",
            "The reserve price cannot be below the starting price.",
        ),
        (
            {"buy_now_price_stars": 100},
            "buy_now_price_stars",
            "The buy-it-now price must be above the starting price.",
        ),
        (
            {"reserve_price_stars": 500, "buy_now_price_stars": 400},
            "buy_now_price_stars",
            "The buy-it-now price cannot be below the reserve price.",
        ),
        (
            {"duration": timedelta(minutes=59)},
            "duration",
            "An auction runs from 1 hour to 30 days.",
        ),
        (
            {"duration": timedelta(days=30, seconds=1)},
            "duration",
            "An auction runs from 1 hour to 30 days.",
        ),
        ({"duration": None}, "duration", "Choose how long the auction runs."),
        (
            {"starts_at": "past"},
            "starts_at",
            "A scheduled start must be in the future.",
        ),
        (
            {"starts_at": "far"},
            "starts_at",
            "A start may be scheduled at most 30 days ahead.",
        ),
        (
            {"soft_close_minutes": 0},
            "soft_close_minutes",
            "Enter a whole number from 1 to 60.",
        ),
        (
            {"max_extensions": 51},
            "max_extensions",
            "Enter a whole number from 0 to 50.",
        ),
        (
            {"dutch_step_stars": 10},
            "dutch_step_stars",
            "A price step does not apply to English (ascending) auctions.",
        ),
        ({"type": "reverse"}, "type", "Choose one of the auction types."),
    ],
)
def test_english_terms_are_checked(seller, overrides, field, message):
    if overrides.get("starts_at") == "past":
        overrides["starts_at"] = timezone.now() - timedelta(minutes=1)
    if overrides.get("starts_at") == "far":
        overrides["starts_at"] = timezone.now() + timedelta(days=31)

    with pytest.raises(AuctionInvalid) as refused:
        english(seller, **overrides)

    assert problems_of(refused) == {field: message}
    assert not Auction.objects.exists()


def dutch_terms(**overrides):
    terms = {
        "type": Auction.Type.DUTCH,
        "starting_price_stars": 1000,
        "dutch_step_stars": 50,
        "dutch_interval_minutes": 30,
        "dutch_floor_stars": 200,
    }
    terms.update(overrides)
    return terms


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"dutch_floor_stars": 1000},
            "dutch_floor_stars",
            "The floor price must be below the starting price.",
        ),
        (
            {"dutch_floor_stars": 0},
            "dutch_floor_stars",
            "Enter a whole number of stars from 1 to 1000000000000.",
        ),
        (
            {"dutch_step_stars": 801},
            "dutch_step_stars",
            "The step cannot be more than the whole drop (800 stars).",
        ),
        (
            {"dutch_interval_minutes": 0},
            "dutch_interval_minutes",
            "Enter a whole number from 1 to 10080.",
        ),
        ({"dutch_step_stars": None}, "dutch_step_stars", "A Dutch auction needs this."),
        (
            {"reserve_price_stars": 500},
            "reserve_price_stars",
            "A reserve price does not apply to Dutch (descending) auctions.",
        ),
        (
            {"buy_now_price_stars": 5000},
            "buy_now_price_stars",
            "A buy-it-now price does not apply to Dutch (descending) auctions.",
        ),
    ],
)
def test_dutch_terms_are_checked(seller, overrides, field, message):
    with pytest.raises(AuctionInvalid) as refused:
        english(seller, **dutch_terms(**overrides))

    assert problems_of(refused) == {field: message}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"sealed_pricing": "third"},
            "sealed_pricing",
            "Choose first-price or second-price.",
        ),
        (
            {"buy_now_price_stars": 500},
            "buy_now_price_stars",
            "A buy-it-now price does not apply to Sealed-bid auctions.",
        ),
        (
            {"reserve_price_stars": 50},
            "reserve_price_stars",
            "The reserve price cannot be below the starting price.",
        ),
    ],
)
def test_sealed_terms_are_checked(seller, overrides, field, message):
    with pytest.raises(AuctionInvalid) as refused:
        english(seller, type=Auction.Type.SEALED, **overrides)

    assert problems_of(refused) == {field: message}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"inactivity_minutes": 59},
            "inactivity_minutes",
            "Enter a whole number from 60 to 43200.",
        ),
        (
            {"duration": timedelta(days=1)},
            "duration",
            "A duration does not apply to Perpetual auctions.",
        ),
    ],
)
def test_perpetual_terms_are_checked(seller, overrides, field, message):
    terms = {"type": Auction.Type.PERPETUAL, "duration": None, **overrides}

    with pytest.raises(AuctionInvalid) as refused:
        english(seller, **terms)

    assert problems_of(refused) == {field: message}


# Refusals: the pictures


def test_an_auction_needs_a_picture(seller):
    with pytest.raises(AuctionInvalid) as refused:
        english(seller, images=[])

    assert problems_of(refused) == {"images": "Add at least one picture."}


def test_one_invalid_picture_means_nothing_is_created_and_no_file_is_kept(seller):
    before = media_files()

    with pytest.raises(AuctionInvalid) as refused:
        english(
            seller,
            images=[upload("good.jpg"), upload("virus.jpg", b"MZ\x90\x00 not a jpeg")],
        )

    assert problems_of(refused) == {
        "images": "“virus.jpg” is not a picture: upload a JPEG, PNG, WebP or GIF image."
    }
    assert not Auction.objects.exists()
    assert not AuctionImage.objects.exists()
    assert media_files() == before


def test_too_many_pictures_are_refused(seller, settings):
    settings.AUCTION_IMAGES_MAX = 2

    with pytest.raises(AuctionInvalid) as refused:
        english(seller, images=[upload(f"{n}.jpg") for n in range(3)])

    assert "at most 2" in problems_of(refused)["images"]


def test_a_failure_while_saving_leaves_no_files_behind(seller, monkeypatch):
    before = media_files()

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(AuctionImage.objects, "bulk_create", broken_bulk_create)

    with pytest.raises(RuntimeError):
        english(seller, images=[upload("a.jpg"), upload("b.jpg")])

    assert not Auction.objects.exists()
    assert media_files() == before


# Changing and withdrawing


def bid_on(auction: Auction) -> None:
    bid_place(auction=auction, bidder=funded_user(500), amount=100)


def test_the_seller_changes_the_terms_before_any_bid(seller):
    auction = english(seller)

    updated = auction_update(
        auction=auction,
        user=seller,
        title="Vintage camera, boxed",
        starting_price_stars=150,
        duration=timedelta(days=5),
        buy_now_price_stars=1000,
    )

    updated.refresh_from_db()
    assert updated.title == "Vintage camera, boxed"
    assert (updated.starting_price_stars, updated.current_price_stars) == (150, 150)
    assert updated.buy_now_price_stars == 1000
    assert updated.ends_at - updated.starts_at == timedelta(days=5)
    assert updated.status == Auction.Status.ACTIVE


def test_an_update_checks_the_terms_like_creation(seller):
    auction = english(seller, reserve_price_stars=300)

    with pytest.raises(AuctionInvalid) as refused:
        auction_update(auction=auction, user=seller, starting_price_stars=400)

    assert problems_of(refused) == {
        "reserve_price_stars": "The reserve price cannot be below the starting price."
    }
    auction.refresh_from_db()
    assert auction.starting_price_stars == 100


def test_new_pictures_replace_the_old_ones_and_their_files(
    seller, django_capture_on_commit_callbacks
):
    auction = english(seller, images=[upload("old.jpg")])
    old_path = Path(auction.images.get().image.path)

    with django_capture_on_commit_callbacks(execute=True):
        auction_update(
            auction=auction,
            user=seller,
            images=[upload("new1.jpg"), upload("new2.jpg")],
        )

    assert auction.images.count() == 2
    assert not old_path.exists()


def test_a_started_auction_cannot_move_its_start(seller):
    auction = english(seller)

    with pytest.raises(AuctionInvalid) as refused:
        auction_update(
            auction=auction,
            user=seller,
            starts_at=timezone.now() + timedelta(days=1),
        )

    assert set(problems_of(refused)) == {"starts_at"}


def test_a_scheduled_auction_can_be_started_now(seller):
    auction = english(seller, starts_at=timezone.now() + timedelta(days=1))

    updated = auction_update(auction=auction, user=seller, starts_at=None)

    assert updated.status == Auction.Status.ACTIVE
    assert updated.starts_at <= timezone.now()


def test_nobody_but_the_seller_may_change_or_cancel(seller):
    auction = english(seller)
    stranger = UserFactory()

    with pytest.raises(SellingNotAllowed, match="Only the seller"):
        auction_update(auction=auction, user=stranger, title="Mine now")
    with pytest.raises(SellingNotAllowed, match="Only the seller"):
        auction_cancel(auction=auction, user=stranger)

    auction.refresh_from_db()
    assert (auction.title, auction.status) == ("Vintage camera", Auction.Status.ACTIVE)


def test_after_the_first_bid_the_auction_cannot_be_changed_or_cancelled(seller):
    auction = english(seller)
    bid_on(auction)

    with pytest.raises(AuctionNotEditable, match="already has a bid"):
        auction_update(auction=auction, user=seller, title="Different")
    with pytest.raises(AuctionNotEditable, match="already has a bid"):
        auction_cancel(auction=auction, user=seller)

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ACTIVE


def test_a_refused_update_with_new_pictures_leaves_no_files_behind(seller):
    auction = english(seller)
    bid_on(auction)
    before = media_files()

    with pytest.raises(AuctionNotEditable):
        auction_update(auction=auction, user=seller, images=[upload("new.jpg")])

    assert media_files() == before
    assert auction.images.count() == 1


def test_the_seller_cancels_before_any_bid(seller):
    auction = english(seller)

    auction_cancel(auction=auction, user=seller)

    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    assert auction.close_outcome == Auction.Outcome.CANCELLED
    assert auction.closed_at is not None
    assert seller.stars_held == 0


def test_a_cancelled_auction_cannot_be_cancelled_or_changed_again(seller):
    auction = english(seller)
    auction_cancel(auction=auction, user=seller)

    with pytest.raises(AuctionNotEditable, match="was cancelled"):
        auction_cancel(auction=auction, user=seller)
    with pytest.raises(AuctionNotEditable, match="was cancelled"):
        auction_update(auction=auction, user=seller, title="Back")


def test_a_finished_auction_cannot_be_changed(seller):
    auction = english(seller)
    Auction.objects.filter(pk=auction.pk).update(status=Auction.Status.FINISHED)

    with pytest.raises(AuctionNotEditable, match="has ended"):
        auction_update(auction=auction, user=seller, title="Later")


def test_a_suspended_seller_cannot_change_or_cancel(seller):
    auction = english(seller)
    seller.is_suspended = True
    seller.save()

    with pytest.raises(SellingNotAllowed, match="suspended"):
        auction_update(auction=auction, user=seller, title="x")
    with pytest.raises(SellingNotAllowed, match="suspended"):
        auction_cancel(auction=auction, user=seller)


def test_an_update_of_a_term_the_type_does_not_use_is_refused(seller):
    auction = english(seller)

    with pytest.raises(AuctionInvalid) as refused:
        auction_update(auction=auction, user=seller, dutch_floor_stars=5)

    assert set(problems_of(refused)) == {"dutch_floor_stars"}


def _at_once(**actions) -> dict[str, object]:
    """Run the actions in threads released together; each outcome is "done" or
    the DomainError it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: dict[str, object] = {}

    def attempt(name, action):
        barrier.wait()
        try:
            action()
            outcomes[name] = "done"
        except DomainError as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_cancel_and_a_first_bid_at_the_same_moment_end_one_way_only():
    # Both lock the auction row: whichever comes second sees the first's result.
    for _round in range(4):
        seller = UserFactory()
        SubscriptionFactory(user=seller)
        auction = english(seller)
        bidder = funded_user(500)

        outcomes = _at_once(
            cancel=partial(auction_cancel, auction=auction, user=seller),
            bid=partial(bid_place, auction=auction, bidder=bidder, amount=100),
        )

        auction.refresh_from_db()
        bidder.refresh_from_db()
        if auction.status == Auction.Status.CANCELLED:
            assert outcomes["cancel"] == "done"
            assert isinstance(outcomes["bid"], AuctionNotOpen)
            assert auction.bid_count == 0
            assert bidder.stars_held == 0
        else:
            assert outcomes["bid"] == "done"
            assert isinstance(outcomes["cancel"], AuctionNotEditable)
            assert auction.bid_count == 1
            assert bidder.stars_held == 100
    assert ledger_discrepancies() == []
