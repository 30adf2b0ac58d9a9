from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from accounts.models import User
from auctions.demo import LOTS
from auctions.models import Auction, AuctionHold, Category
from payments.selectors import ledger_discrepancies, subscription_is_active

pytestmark = pytest.mark.django_db

Status = Auction.Status
Outcome = Auction.Outcome


def state(auction: Auction) -> str:
    """scheduled, active, sold, unsold or cancelled."""
    if auction.status == Status.FINISHED:
        return "sold" if auction.close_outcome == Outcome.SOLD else "unsold"
    return auction.status


def test_seed_demo_can_run_again_and_again_without_duplicating_anything(settings):
    settings.DEBUG = True  # what `make run` has
    call_command("seed_demo")
    users = sorted(User.objects.values_list("username", "stars_balance", "stars_held"))
    auctions = sorted(
        Auction.objects.values_list("title", "status", "current_price_stars")
    )
    call_command("seed_demo")
    call_command("seed_demo")

    assert (
        sorted(User.objects.values_list("username", "stars_balance", "stars_held"))
        == users
    )
    assert (
        sorted(Auction.objects.values_list("title", "status", "current_price_stars"))
        == auctions
    )
    assert Auction.objects.count() == len(LOTS)
    assert User.objects.filter(is_staff=True).count() == 1
    demo = User.objects.filter(telegram_id__isnull=False)
    assert {user.preferred_language for user in demo} == {"ru", "en", "ar"}
    assert ledger_discrepancies() == []
    call_command("check_ledger")


def test_seed_demo_makes_auctions_of_every_type_in_every_state(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    auctions = list(Auction.objects.prefetch_related("images"))
    seen = {(auction.type, state(auction)) for auction in auctions}
    for kind in Auction.Type.values:
        for wanted in ("scheduled", "active", "sold", "unsold", "cancelled"):
            assert (kind, wanted) in seen, (kind, wanted)
    assert Auction.Outcome.RESERVE_NOT_MET in {a.close_outcome for a in auctions}
    for auction in auctions:
        [picture] = auction.images.all()
        assert default_storage.exists(picture.image.name)
        assert default_storage.exists(picture.thumbnail.name)
        if auction.status == Status.FINISHED:
            # Ended a while ago, as a visitor would expect, never in the future.
            assert auction.ends_at <= auction.closed_at < timezone.now()
            assert not AuctionHold.objects.filter(auction=auction).exists()
    seller = User.objects.get(telegram_username="alice_demo")
    assert subscription_is_active(seller)
    assert {a.seller for a in auctions} == {seller}
    # Bidders hold stars only for running auctions.
    held = AuctionHold.objects.exclude(auction__status=Status.ACTIVE)
    assert not held.exists()
    assert AuctionHold.objects.exists()


def test_demo_categories_are_named_in_each_language(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    category = Category.objects.get(slug="art")
    for language, name in (("en", "Art"), ("ru", "Искусство"), ("ar", "فن")):
        with translation.override(language):
            assert category.name == name
    assert Category.objects.count() == 4


def test_a_seller_who_cannot_subscribe_gets_no_demo_auctions_and_a_warning(settings):
    settings.DEBUG = True
    settings.SUBSCRIPTION_PRICE_STARS = 5000
    problems = io.StringIO()

    call_command("seed_demo", stderr=problems)

    assert "cannot subscribe" in problems.getvalue()
    assert not Auction.objects.exists()
    assert User.objects.filter(telegram_id__isnull=False).count() == 3
    assert ledger_discrepancies() == []


def test_seed_demo_refuses_a_production_configuration(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("seed_demo")
    assert not User.objects.exists()
