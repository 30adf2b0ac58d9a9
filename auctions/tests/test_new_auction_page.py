"""/new_auction and the seller's edit and cancel pages, through Django's test
client: what a seller sees and what ends up stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from auctions.models import Auction, AuctionImage
from auctions.services import bid_place
from payments.tests.factories import SubscriptionFactory, funded_user

from .picture_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    user = UserFactory()
    SubscriptionFactory(user=user)
    return user


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller)
    return client


def english_post(**overrides):
    data = {
        "type": "english",
        "title": "Brass compass",
        "description": "From 1920, still points north.",
        "starting_price_stars": "50",
        "duration_hours": "72",
        "min_increment_stars": "5",
        "reserve_price_stars": "",
        "buy_now_price_stars": "",
        "soft_close_minutes": "5",
        "extension_minutes": "5",
        "max_extensions": "10",
        # Filled in by a browser for another type's fields: ignored for English.
        "dutch_interval_minutes": "30",
        "sealed_pricing": "first",
        "inactivity_minutes": "1440",
        "starts_at": "",
        "images": [
            upload("compass-top.jpg", image_bytes(size=(900, 600))),
            upload("compass-side.png", image_bytes(fmt="PNG")),
        ],
    }
    data.update(overrides)
    return data


def test_a_visitor_is_sent_to_log_in(client):
    response = client.get("/new_auction")

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_without_a_subscription_sees_why_and_a_link_to_subscribe(client):
    client.force_login(UserFactory())

    response = client.get("/new_auction")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="subscribe-needed"' in page
    assert "Only subscribers can put auctions up." in page
    assert f'href="{reverse("subscribe")}"' in page
    assert "Subscribe to sell" in page
    assert 'data-testid="new-auction-form"' not in page


def test_a_user_without_a_subscription_cannot_post_an_auction(client):
    client.force_login(UserFactory())

    response = client.post("/new_auction", english_post())

    assert "Subscribe to sell" in response.content.decode()
    assert not Auction.objects.exists()


def test_a_suspended_user_is_told_so(client):
    user = UserFactory(is_suspended=True)
    SubscriptionFactory(user=user)
    client.force_login(user)

    response = client.get("/new_auction")

    assert "Your account is suspended" in response.content.decode()
    assert 'data-testid="new-auction-form"' not in response.content.decode()


def test_a_subscriber_sees_the_form_with_each_type_explained(seller_client):
    response = seller_client.get("/new_auction")

    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "csrfmiddlewaretoken" in page
    assert 'type="file" name="images"' in page and " multiple" in page
    for value, words in [
        ("english", "the highest bid wins"),
        ("dutch", "the price drops step by step until someone accepts it"),
        ("sealed", "Hidden bids, one per bidder"),
        ("perpetual", "it ends after a period without new bids"),
    ]:
        assert f'data-testid="type-explanation-{value}"' in page
        assert words in page
    assert 'data-types="english"' in page  # the buy-it-now field, for one
    assert "new_auction.js" in page


def test_the_nav_offers_sell_to_a_logged_in_user(seller_client):
    response = seller_client.get("/")

    assert 'data-testid="nav-sell"' in response.content.decode()


def test_a_valid_english_auction_with_two_pictures_is_created(seller_client, seller):
    response = seller_client.post("/new_auction", english_post())

    auction = Auction.objects.get()
    assert response.status_code == 302
    assert response.url == f"/auction/{auction.uuid}"
    assert auction.seller == seller
    assert auction.type == Auction.Type.ENGLISH
    assert (auction.title, auction.starting_price_stars) == ("Brass compass", 50)
    assert auction.min_increment_stars == 5
    assert auction.dutch_interval_minutes is None  # another type's field ignored
    assert auction.ends_at - auction.starts_at == timedelta(hours=72)
    images = list(auction.images.all())
    assert len(images) == 2
    for image in images:
        with Image.open(image.thumbnail.path) as thumbnail:
            assert thumbnail.format == "WEBP"
    with Image.open(images[0].thumbnail.path) as thumbnail:
        assert thumbnail.width == 480


def test_the_new_auction_page_then_shows_it(seller_client):
    response = seller_client.post("/new_auction", english_post(), follow=True)

    page = response.content.decode()
    assert "Your auction is up." in page
    assert "Brass compass" in page
    assert page.count('data-testid="auction-image"') == 2
    assert "50 ⭐" in page


def test_an_invalid_picture_is_named_and_nothing_is_created(seller_client):
    data = english_post(
        images=[upload("fine.jpg"), upload("resume.png", b"%PDF-1.4 not a picture")]
    )

    response = seller_client.post("/new_auction", data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "“resume.png” is not a picture" in page
    assert "choose the pictures again" in page
    assert not Auction.objects.exists()
    assert not AuctionImage.objects.exists()


def test_an_auction_without_a_picture_is_refused(seller_client):
    response = seller_client.post("/new_auction", english_post(images=[]))

    assert "Add at least one picture." in response.content.decode()
    assert not Auction.objects.exists()


def test_price_problems_show_beside_their_fields(seller_client):
    data = english_post(reserve_price_stars="10", buy_now_price_stars="40")

    response = seller_client.post("/new_auction", data)

    form = response.context["form"]
    assert form.errors["reserve_price_stars"] == [
        "The reserve price cannot be below the starting price."
    ]
    assert form.errors["buy_now_price_stars"] == [
        "The buy-it-now price must be above the starting price."
    ]
    assert not Auction.objects.exists()


def test_a_dutch_auction_without_its_floor_is_refused_server_side(seller_client):
    data = english_post(type="dutch", dutch_step_stars="5", dutch_floor_stars="")

    response = seller_client.post("/new_auction", data)

    assert response.context["form"].errors["dutch_floor_stars"] == [
        "A Dutch auction needs this."
    ]
    assert not Auction.objects.exists()


def test_a_dutch_auction_is_created_with_its_fields(seller_client):
    data = english_post(
        type="dutch",
        starting_price_stars="500",
        dutch_step_stars="20",
        dutch_interval_minutes="15",
        dutch_floor_stars="100",
        # An English-only field the browser also sent: ignored.
        buy_now_price_stars="9999",
    )

    seller_client.post("/new_auction", data)

    auction = Auction.objects.get()
    assert auction.type == Auction.Type.DUTCH
    assert (auction.dutch_step_stars, auction.dutch_interval_minutes) == (20, 15)
    assert auction.dutch_floor_stars == 100
    assert auction.buy_now_price_stars is None


def test_a_perpetual_auction_uses_the_chosen_inactivity_window(seller_client):
    seller_client.post(
        "/new_auction", english_post(type="perpetual", inactivity_minutes="360")
    )

    auction = Auction.objects.get()
    assert auction.type == Auction.Type.PERPETUAL
    assert auction.ends_at - auction.starts_at == timedelta(hours=6)


def test_a_sealed_second_price_auction_is_created(seller_client):
    seller_client.post(
        "/new_auction", english_post(type="sealed", sealed_pricing="second")
    )

    assert Auction.objects.get().sealed_pricing == Auction.SealedPricing.SECOND_PRICE


def test_a_later_start_in_the_browsers_time_zone_schedules_the_auction(
    seller_client,
):
    local = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    # A browser at UTC+3 reports an offset of -180 minutes.
    data = english_post(
        starts_at=local.strftime("%Y-%m-%dT%H:%M"), utc_offset_minutes="-180"
    )

    seller_client.post("/new_auction", data)

    auction = Auction.objects.get()
    assert auction.status == Auction.Status.SCHEDULED
    assert auction.starts_at == local - timedelta(hours=3)


def test_errors_are_in_the_users_language(client):
    user = UserFactory(language="ru")
    SubscriptionFactory(user=user)
    client.force_login(user)

    response = client.post("/new_auction", english_post(title=""))

    assert response.context["form"].errors["title"] == ["Обязательное поле."]


# Changing and cancelling


def created(seller_client) -> Auction:
    seller_client.post("/new_auction", english_post())
    return Auction.objects.get()


def test_the_seller_changes_the_title_and_price_before_any_bid(seller_client):
    auction = created(seller_client)
    data = english_post(title="Brass compass, boxed", starting_price_stars="60")
    del data["images"]

    response = seller_client.post(f"/auction/{auction.uuid}/edit", data)

    auction.refresh_from_db()
    assert response.status_code == 302
    assert (auction.title, auction.starting_price_stars) == ("Brass compass, boxed", 60)
    assert auction.images.count() == 2  # no new pictures: the old ones stay


def test_the_edit_page_shows_the_current_terms(seller_client):
    auction = created(seller_client)

    response = seller_client.get(f"/auction/{auction.uuid}/edit")

    form = response.context["form"]
    assert form["title"].value() == "Brass compass"
    assert form["duration_hours"].value() == 72
    assert form.fields["type"].disabled


def test_someone_else_cannot_open_the_edit_page(seller_client, client):
    auction = created(seller_client)
    client.force_login(UserFactory())

    assert client.get(f"/auction/{auction.uuid}/edit").status_code == 404
    assert client.post(f"/auction/{auction.uuid}/cancel").status_code == 404


def test_after_a_bid_the_edit_is_refused_with_a_message(seller_client):
    auction = created(seller_client)
    bid_place(auction=auction, bidder=funded_user(100), amount=50)
    data = english_post(title="Changed")
    del data["images"]

    response = seller_client.post(f"/auction/{auction.uuid}/edit", data, follow=True)

    assert "already has a bid" in response.content.decode()
    auction.refresh_from_db()
    assert auction.title == "Brass compass"


def test_the_seller_cancels_before_any_bid(seller_client):
    auction = created(seller_client)

    response = seller_client.post(f"/auction/{auction.uuid}/cancel", follow=True)

    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    assert "The auction is cancelled." in response.content.decode()


def test_cancel_needs_a_post(seller_client):
    auction = created(seller_client)

    assert seller_client.get(f"/auction/{auction.uuid}/cancel").status_code == 405
