"""Factories for auctions. An auction is built directly in the state a test needs
(creation rules are `auction_create`'s, tested on their own); bids and holds only
ever come from the services, so the ledger stays consistent."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from auctions.models import Auction, Category, Watch


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class AuctionFactory(DjangoModelFactory):
    """An English auction that started an hour ago and ends in a day."""

    class Meta:
        model = Auction

    seller = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Lot {n}")
    description = "A fine thing."
    type = Auction.Type.ENGLISH
    status = Auction.Status.ACTIVE
    starting_price_stars = 10
    current_price_stars = factory.LazyAttribute(lambda a: a.starting_price_stars)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))

    class Params:
        sealed = factory.Trait(type=Auction.Type.SEALED)
        vickrey = factory.Trait(
            type=Auction.Type.SEALED,
            sealed_pricing=Auction.SealedPricing.SECOND_PRICE,
        )
        # 100 stars, 10 less every 10 minutes, down to 50.
        dutch = factory.Trait(
            type=Auction.Type.DUTCH,
            starting_price_stars=100,
            dutch_step_stars=10,
            dutch_interval_minutes=10,
            dutch_floor_stars=50,
            starts_at=factory.LazyFunction(timezone.now),
        )
        perpetual = factory.Trait(
            type=Auction.Type.PERPETUAL,
            inactivity_minutes=60,
            ends_at=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1)),
        )
        # The end passed a moment ago: due for the sweep.
        due = factory.Trait(
            ends_at=factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1))
        )


class WatchFactory(DjangoModelFactory):
    class Meta:
        model = Watch

    user = factory.SubFactory(UserFactory)
    auction = factory.SubFactory(AuctionFactory)
