"""A form that fails comes back with what the person typed, beside the problem
(checked on the site's forms that take typed input)."""

from __future__ import annotations

import html as html_lib

import pytest

from accounts.tests.factories import UserFactory
from auctions.tests.picture_files import image_bytes, upload
from auctions.tests.test_new_auction_page import english_post
from payments.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_a_refused_star_amount_is_shown_again_as_typed(client):
    client.force_login(UserFactory())

    html = client.post("/buy_stars", {"amount": "10001"}).content.decode()

    assert 'class="invalid-feedback"' in html
    assert 'value="10001"' in html


def test_a_refused_new_auction_keeps_the_title_description_and_prices(client):
    seller = UserFactory()
    SubscriptionFactory(user=seller)
    client.force_login(seller)
    data = english_post(
        title="Brass <compass> & case",
        description="From 1920,\nstill points north.",
        starting_price_stars="50",
        reserve_price_stars="10",  # below the start: refused
        images=[upload("compass.jpg", image_bytes())],
    )

    response = client.post("/new_auction", data)

    html = response.content.decode()
    assert "The reserve price cannot be below the starting price." in html
    assert f'value="{html_lib.escape("Brass <compass> & case")}"' in html
    assert "From 1920,\nstill points north.</textarea>" in html
    assert 'name="starting_price_stars" value="50"' in html
    assert 'name="reserve_price_stars" value="10"' in html
