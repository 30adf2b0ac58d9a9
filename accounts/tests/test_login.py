from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.test import Client
from django.urls import resolve

from accounts.models import User
from accounts.services import user_get_or_create_from_telegram
from accounts.tests.factories import UserFactory
from accounts.views import TelegramCallbackView

pytestmark = pytest.mark.django_db

TELEGRAM_ID = 555_000_111


def sign(fields: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    """Sign like Telegram does (TELEGRAM.md), independently of the code under test."""
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hashlib.sha256((token or settings.TELEGRAM_BOT_TOKEN).encode()).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return {**fields, "hash": digest}


def telegram_fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        "id": TELEGRAM_ID,
        "first_name": "Layla",
        "last_name": "Haddad",
        "username": "layla_h",
        "photo_url": "https://t.me/i/userpic/320/layla.jpg",
        "auth_date": int(time.time()),
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def encode(data: Any) -> str:
    # Telegram sends URL-safe base64 without padding.
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def start_telegram_login(client: Client) -> str:
    """POST the log-in button; return the callback path Telegram would send the
    browser back to (with allauth's `state`)."""
    response = client.post("/accounts/telegram/login/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "oauth.telegram.org"
    query = parse_qs(location.query)
    assert query["bot_id"] == [settings.TELEGRAM_BOT_TOKEN.split(":")[0]]
    return_to = urlsplit(query["return_to"][0])
    assert parse_qs(return_to.query)["state"]
    return f"{return_to.path}?{return_to.query}"


def telegram_login(client: Client, data: Any) -> Any:
    callback = start_telegram_login(client)
    return client.post(callback, {"tgAuthResult": encode(data)})


def logged_in_user(client: Client) -> User | None:
    response = client.get("/profile")
    return response.context["user"] if response.status_code == 200 else None


def test_the_login_page_offers_log_in_with_telegram(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert b'action="/accounts/telegram/login/"' in response.content
    assert "Log in with Telegram" in response.content.decode()


def test_the_callback_url_is_answered_by_the_checked_view():
    match = resolve("/accounts/telegram/login/callback/")

    assert match.func.view_class is TelegramCallbackView


def test_a_first_telegram_login_creates_the_user_without_an_email(client):
    response = telegram_login(client, sign(telegram_fields()))

    assert response.status_code == 302
    assert response["Location"] == "/profile"
    user = User.objects.get()
    assert user.telegram_id == TELEGRAM_ID
    assert user.email == ""
    assert (user.first_name, user.last_name) == ("Layla", "Haddad")
    assert user.telegram_username == "layla_h"
    assert user.photo_url == "https://t.me/i/userpic/320/layla.jpg"
    assert SocialAccount.objects.get().user == user
    assert logged_in_user(client) == user
    assert "Layla Haddad" in client.get("/profile").content.decode()


def test_the_callback_page_posts_telegrams_fragment_back(client):
    callback = start_telegram_login(client)

    response = client.get(callback)

    assert response.status_code == 200
    assert b"js/telegram-callback.js" in response.content


def test_a_returning_user_is_logged_in_and_their_telegram_details_refreshed(client):
    telegram_login(client, sign(telegram_fields()))
    client.post("/logout")

    response = telegram_login(
        client, sign(telegram_fields(first_name="Leila", username="leila_new"))
    )

    assert response.status_code == 302
    user = User.objects.get()
    assert (user.first_name, user.telegram_username) == ("Leila", "leila_new")
    assert SocialAccount.objects.count() == 1
    assert logged_in_user(client) == user


def test_a_person_who_met_the_bot_first_logs_in_as_the_same_user(client):
    bot_user, _ = user_get_or_create_from_telegram(
        telegram_id=TELEGRAM_ID, username="old_name", language_code="ru"
    )

    telegram_login(client, sign(telegram_fields()))

    assert User.objects.count() == 1
    user = User.objects.get()
    assert user.pk == bot_user.pk
    assert user.telegram_username == "layla_h"
    assert user.language == "ru"
    assert logged_in_user(client) == bot_user


def test_the_bot_finds_the_user_who_logged_in_on_the_web_first(client):
    telegram_login(client, sign(telegram_fields()))
    web_user = User.objects.get()

    bot_user, created = user_get_or_create_from_telegram(
        telegram_id=TELEGRAM_ID, username="layla_h"
    )

    assert not created
    assert bot_user.pk == web_user.pk
    assert User.objects.count() == 1


def test_a_first_web_login_keeps_the_language_the_site_was_read_in(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    telegram_login(client, sign(telegram_fields()))

    assert User.objects.get().language == "ar"


INCOMPLETE = "The Telegram sign-in data is incomplete"
UNVERIFIED = "The Telegram sign-in data could not be verified"
EXPIRED = "The Telegram sign-in data has expired"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {**sign(telegram_fields()), "first_name": "Mallory"},
            UNVERIFIED,
            id="changed-after-signing",
        ),
        pytest.param(
            sign(telegram_fields(), token="987654321:SOME-OTHER-bot-token"),
            UNVERIFIED,
            id="signed-by-another-bot",
        ),
        pytest.param(
            {**telegram_fields(), "hash": "0" * 64}, UNVERIFIED, id="forged-hash"
        ),
        pytest.param(
            sign(telegram_fields(auth_date=int(time.time()) - 3600)),
            EXPIRED,
            id="stale-auth-date",
        ),
        pytest.param(
            sign(telegram_fields(auth_date=int(time.time()) + 3600)),
            UNVERIFIED,
            id="auth-date-in-the-future",
        ),
        pytest.param(
            sign(telegram_fields(auth_date=None)), INCOMPLETE, id="no-auth-date"
        ),
        pytest.param(sign(telegram_fields(id=None)), INCOMPLETE, id="no-id"),
        pytest.param(telegram_fields(), INCOMPLETE, id="no-hash"),
        pytest.param(["not", "an", "object"], UNVERIFIED, id="json-not-an-object"),
    ],
)
def test_bad_telegram_data_is_refused_and_creates_nobody(client, data, message):
    response = telegram_login(client, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0
    assert logged_in_user(client) is None


def test_garbage_instead_of_base64_json_is_refused(client):
    callback = start_telegram_login(client)

    response = client.post(callback, {"tgAuthResult": "%%%not-base64%%%"})

    assert response.status_code == 400
    assert UNVERIFIED in response.content.decode()
    assert User.objects.count() == 0


def test_an_empty_callback_is_refused_as_incomplete(client):
    callback = start_telegram_login(client)

    response = client.post(callback, {})

    assert response.status_code == 400
    assert INCOMPLETE in response.content.decode()


def test_a_callback_without_state_is_refused(client):
    start_telegram_login(client)

    response = client.post(
        "/accounts/telegram/login/callback/",
        {"tgAuthResult": encode(sign(telegram_fields()))},
    )

    assert response.status_code == 400
    assert INCOMPLETE in response.content.decode()
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0


def test_a_callback_with_a_state_from_another_browser_is_refused(client):
    callback = start_telegram_login(Client())

    response = client.post(callback, {"tgAuthResult": encode(sign(telegram_fields()))})

    assert response.status_code == 400
    assert "started in another browser" in response.content.decode()
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0


def test_a_state_works_only_once(client):
    callback = start_telegram_login(client)
    data = {"tgAuthResult": encode(sign(telegram_fields()))}
    client.post(callback, data)
    client.post("/logout")

    response = client.post(callback, data)

    assert response.status_code == 400
    assert logged_in_user(client) is None


def test_the_refusal_is_shown_in_the_users_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    response = telegram_login(client, {**telegram_fields(), "hash": "0" * 64})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'lang="ru"' in html
    assert "Не удалось проверить данные входа через Telegram" in html


def test_with_no_bot_token_configured_nothing_is_accepted(client, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "telegram": {"APP": {"client_id": "", "secret": ""}}
    }
    callback = "/accounts/telegram/login/callback/?state=anything"

    response = client.post(
        callback,
        {
            "tgAuthResult": encode(
                sign({"id": 1, "auth_date": int(time.time())}, token="")
            )
        },
    )

    assert response.status_code == 400
    assert User.objects.count() == 0
    assert "not configured" in client.get("/login").content.decode()


def test_logging_out_takes_a_post(client):
    user = UserFactory()
    client.force_login(user)

    assert client.get("/logout").status_code == 405
    response = client.post("/logout")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user(client) is None


def test_a_logged_in_user_visiting_the_login_page_goes_to_their_profile(client):
    client.force_login(UserFactory())

    response = client.get("/login")

    assert response.status_code == 302
    assert response["Location"] == "/profile"


def test_password_sign_up_is_closed(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "mallory",
            "password1": "Xk3#long-pass",
            "password2": "Xk3#long-pass",
        },
    )

    assert response.status_code == 200
    assert User.objects.count() == 0
