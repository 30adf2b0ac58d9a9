from __future__ import annotations

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_says_no_auctions_are_running_yet(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "No auctions are running right now." in html
    assert 'href="/login"' in html


def test_the_home_page_greets_a_logged_in_user_with_their_balance(client):
    user = UserFactory(first_name="Omar", last_name="", stars_balance=250)
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "Omar" in html
    assert "250 ⭐" in html
    assert "Log out" in html


def test_the_profile_needs_a_login(client):
    response = client.get("/profile")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/profile"


def test_the_profile_shows_who_you_are_and_your_balance(client):
    user = UserFactory(
        first_name="Nadia",
        last_name="K",
        telegram_username="nadia_k",
        stars_balance=1200,
        stars_held=300,
    )
    client.force_login(user)

    response = client.get("/profile")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nadia K" in html
    assert "@nadia_k" in html
    assert 'data-testid="balance-available">1200 ⭐' in html
    assert 'data-testid="balance-held">300 ⭐' in html


def test_choosing_a_language_is_remembered_on_the_user(client):
    user = UserFactory(language="en")
    client.force_login(user)

    response = client.post("/language", {"language": "ar", "next": "/profile"})

    assert response.status_code == 302
    assert response["Location"] == "/profile"
    user.refresh_from_db()
    assert user.language == "ar"
    assert 'dir="rtl"' in client.get("/profile").content.decode()


def test_the_users_language_wins_over_an_old_cookie(client):
    client.force_login(UserFactory(language="ru"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert 'lang="ru"' in client.get("/").content.decode()


def test_an_anonymous_visitors_language_is_kept_in_a_cookie(client):
    response = client.post("/language", {"language": "ar", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert 'lang="ar"' in client.get("/").content.decode()


def test_an_unknown_language_changes_nothing(client):
    user = UserFactory(language="ru")
    client.force_login(user)

    client.post("/language", {"language": "xx", "next": "/"})

    user.refresh_from_db()
    assert user.language == "ru"


def test_choosing_a_language_takes_a_post(client):
    assert client.get("/language").status_code == 405


def test_an_arabic_page_is_right_to_left_with_the_rtl_stylesheet(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    html = client.get("/").content.decode()

    assert '<html lang="ar" dir="rtl">' in html
    assert "vendor/bootstrap/css/bootstrap.rtl.min.css" in html
    assert "bootstrap.min.css" not in html


@pytest.mark.parametrize("language", ["en", "ru"])
def test_other_pages_are_left_to_right(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get("/login").content.decode()

    assert f'<html lang="{language}" dir="ltr">' in html
    assert "vendor/bootstrap/css/bootstrap.min.css" in html


def test_the_settings_page_offers_the_language_setting_as_a_form(client):
    # The language moved from the profile to /settings with the other choices.
    client.force_login(UserFactory(language="ru"))

    html = client.get("/settings").content.decode()

    assert 'data-testid="profile-language-form"' in html
    assert '<option value="ru" selected>' in html
