"""Friendly 403/404/500 pages in the reader's language (as production shows
them, with DEBUG off)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accounts.tests.error_urls")]


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def browser_client() -> Client:
    # Like a browser: a failing view gives the 500 page, not an exception here.
    return Client(raise_request_exception=False)


def test_an_unknown_address_gets_the_friendly_404(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-title">Page not found<' in html
    assert 'href="/"' in html
    assert 'data-testid="navbar"' in html  # the usual frame, with the menu


def test_the_404_page_is_in_the_users_language(client):
    client.force_login(UserFactory(language="ru"))

    html = client.get("/no-such-page").content.decode()

    assert '<html lang="ru"' in html
    assert "Страница не найдена" in html


def test_the_404_page_follows_the_language_cookie_of_a_visitor(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ar"

    html = client.get("/no-such-page").content.decode()

    assert '<html lang="ar" dir="rtl">' in html


def test_a_refused_page_gets_the_friendly_403(client):
    response = client.get("/test-errors/forbidden")

    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-title">Forbidden<' in html
    assert 'href="/login"' in html


def test_the_403_page_is_in_the_users_language(client):
    client.force_login(UserFactory(language="ru"))

    html = client.get("/test-errors/forbidden").content.decode()

    assert '<html lang="ru"' in html
    assert "Ошибка доступа" in html


def test_a_failing_view_gets_the_friendly_500(browser_client):
    response = browser_client.get("/test-errors/boom")

    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-testid="error-title">Server error<' in html
    assert "Your stars and bids are safe" in html
    assert "a bug in a view" not in html  # no technical details leak


def test_the_500_page_is_in_the_users_language(browser_client):
    browser_client.force_login(UserFactory(language="ru"))

    html = browser_client.get("/test-errors/boom").content.decode()

    assert '<html lang="ru" dir="ltr">' in html
    assert "Ошибка сервера" in html


def test_the_500_page_is_right_to_left_in_arabic(browser_client):
    browser_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ar"

    html = browser_client.get("/test-errors/boom").content.decode()

    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html


def test_the_500_page_needs_no_database_user_or_request(django_assert_num_queries):
    # When the database is what failed, the page must still render.
    with django_assert_num_queries(0), translation.override("ru"):
        html = render_to_string("500.html")

    assert "Ошибка сервера" in html


def test_a_refused_csrf_check_explains_what_to_do(settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    response = client.post("/settings", {})

    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-title">The form has expired<' in html
    assert "reload the page" in html
