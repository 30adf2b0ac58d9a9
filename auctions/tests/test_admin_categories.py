"""Categories in the admin, named in every language; sellers see the name in
theirs."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import SuperUserFactory
from auctions.forms import AuctionForm
from auctions.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = SuperUserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_staff_add_a_category_named_in_each_language(staff_client):
    response = staff_client.post(
        "/admin/auctions/category/add/",
        {
            "name_en": "Cameras",
            "name_ru": "Фотоаппараты",
            "name_ar": "كاميرات",
            "slug": "cameras",
            "position": "1",
        },
    )

    assert response.status_code == 302
    category = Category.objects.get(slug="cameras")
    with translation.override("ru"):
        assert category.name == "Фотоаппараты"
        assert "Фотоаппараты" in AuctionForm().as_div()
    with translation.override("ar"):
        assert category.name == "كاميرات"


def test_a_category_without_a_translation_falls_back_to_english(staff_client):
    staff_client.post(
        "/admin/auctions/category/add/",
        {"name_en": "Lamps", "slug": "lamps", "position": "0"},
    )

    with translation.override("ar"):
        assert Category.objects.get(slug="lamps").name == "Lamps"


def test_the_category_list_opens(staff_client):
    Category.objects.create(name_en="Books", name_ru="Книги", slug="books")

    response = staff_client.get("/admin/auctions/category/")

    assert response.status_code == 200
    assert "Books" in response.content.decode()
