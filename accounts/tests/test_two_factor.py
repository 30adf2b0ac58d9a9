"""Two-factor authentication for everyone: set up with a QR code and a confirming
code, backup codes shown once and each usable once, the verification step after
log-in that no page can skip, rate limits, and turning it off with a code."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.otp import code_for, forget_attempts, wrong_code
from accounts.tests.test_login import sign, telegram_fields, telegram_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_attempts(db):
    """The attempt counters live in the cache, which outlives a test."""
    yield
    forget_attempts()


@pytest.fixture
def no_device_throttle(settings):
    """django-otp's own growing delay after a wrong code (1 s, 2 s, …) would
    refuse the next code in a fast test; tests of the per-user limit turn it off
    to see that limit alone."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def start_setup(client: Client, user: User) -> TOTPDevice:
    response = client.post("/2fa/setup/start")
    assert response.status_code == 302
    assert response["Location"] == "/2fa/setup"
    return TOTPDevice.objects.get(user=user)


def enable(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    """Turn 2FA on through the pages; returns the device and the backup codes
    as the page showed them."""
    device = start_setup(client, user)
    response = client.post("/2fa/setup", {"code": code_for(device)})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/2fa/backup-codes"
    html = client.get("/2fa/backup-codes").content.decode()
    codes = re.findall(r'data-testid="backup-code">([a-z2-7 ]+)<', html)
    assert len(codes) == 10
    device.refresh_from_db()
    return device, codes


def user_with_two_factor() -> tuple[User, TOTPDevice, list[str]]:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    device, codes = enable(client, user)
    user.refresh_from_db()
    return user, device, codes


def logged_in_unverified(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# -- setting up --------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key_for_manual_entry(client):
    user = UserFactory()
    client.force_login(user)
    device = start_setup(client, user)

    response = client.get("/2fa/setup")

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert re.search(r'data-testid="totp-qr"><svg[^>]*class="two-factor-qr"', html)
    assert "QR code to scan with your authenticator app" in html
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    assert secret.lower() in device.config_url.lower()
    assert "otpauth://totp/Bot-Auction" in html
    assert not device.confirmed
    user.refresh_from_db()
    assert not user.two_factor_enabled


def test_a_started_but_unconfirmed_setup_changes_nothing_about_logging_in(client):
    user = UserFactory()
    client.force_login(user)
    start_setup(client, user)

    assert logged_in_unverified(user).get("/dashboard").status_code == 200


def test_a_wrong_code_does_not_turn_it_on(client):
    user = UserFactory()
    client.force_login(user)
    device = start_setup(client, user)

    response = client.post("/2fa/setup", {"code": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right." in error_text(response)
    device.refresh_from_db()
    user.refresh_from_db()
    assert not device.confirmed
    assert not user.two_factor_enabled
    assert not StaticToken.objects.exists()


def test_the_right_code_turns_it_on_and_shows_ten_backup_codes_once(client):
    user = UserFactory()
    client.force_login(user)

    device, codes = enable(client, user)

    user.refresh_from_db()
    assert device.confirmed
    assert user.two_factor_enabled
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    again = client.get("/2fa/backup-codes")
    assert again.status_code == 302
    assert again["Location"] == "/settings"
    settings_html = client.get("/settings").content.decode()
    assert "Backup codes are shown only once." in settings_html
    assert codes[0] not in settings_html
    assert "10 backup codes left." in settings_html
    # The session that set it up has proved itself: it is not asked again.
    assert client.get("/dashboard").status_code == 200


def test_the_backup_codes_page_is_not_cached(client):
    user = UserFactory()
    client.force_login(user)
    device = start_setup(client, user)
    client.post("/2fa/setup", {"code": code_for(device)})

    response = client.get("/2fa/backup-codes")

    assert "no-store" in response["Cache-Control"]


def test_turning_it_on_twice_is_refused():
    user, device, _codes = user_with_two_factor()
    client = verified_client(user, device)

    response = client.post("/2fa/setup/start", follow=True)

    assert "Two-factor authentication is already on." in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_the_setup_page_without_a_started_setup_goes_back_to_settings(client):
    client.force_login(UserFactory())

    response = client.get("/2fa/setup")

    assert response.status_code == 302
    assert response["Location"] == "/settings"


# -- the verification step ---------------------------------------------------------


PROTECTED = [
    "/dashboard",
    "/profile",
    "/balance",
    "/buy_stars",
    "/new_auction",
    "/settings",
    "/watchlist",
    "/my_auctions",
    "/",
    "/2fa/setup",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_a_logged_in_user_with_a_device_cannot_skip_the_code(path):
    user, _device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/2fa/verify?next={quote(path, safe='')}"


def test_posting_a_form_without_the_code_is_refused_too():
    user, _device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.post("/settings", {"auction_won:email": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith("/2fa/verify?next=")
    assert not user.notification_preferences.exists()


def test_an_htmx_request_without_the_code_sends_the_whole_page_to_verify():
    user, _device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.get("/balance", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/2fa/verify?next=")


def test_the_verify_page_log_out_language_and_static_files_stay_reachable():
    user, _device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    assert client.get("/2fa/verify").status_code == 200
    assert client.post("/language", {"language": "ru", "next": "/"}).status_code == 302
    assert client.get("/static/css/site.css").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_authenticator_code_completes_the_log_in_and_returns_to_the_page():
    user, device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.post(
        "/2fa/verify?next=/balance", {"code": code_for(device, steps_ahead=1)}
    )

    assert response.status_code == 302
    assert response["Location"] == "/balance"
    for path in ("/dashboard", "/balance", "/buy_stars", "/settings"):
        assert client.get(path).status_code == 200, path


def test_a_wrong_code_at_log_in_is_refused_and_the_pages_stay_closed():
    user, device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.post("/2fa/verify", {"code": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right." in error_text(response)
    assert client.get("/dashboard").status_code == 302


def test_a_code_works_only_once():
    user, device, _codes = user_with_two_factor()
    code = code_for(device, steps_ahead=1)
    first = logged_in_unverified(user)
    assert first.post("/2fa/verify", {"code": code}).status_code == 302

    response = logged_in_unverified(user).post("/2fa/verify", {"code": code})

    assert response.status_code == 400


def test_a_backup_code_completes_the_log_in_once(no_device_throttle):
    user, _device, codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.post("/2fa/verify?next=/dashboard", {"code": codes[3]})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    again = logged_in_unverified(user).post("/2fa/verify", {"code": codes[3]})
    assert again.status_code == 400
    # Typed in capitals and without the space, another code still works.
    other = logged_in_unverified(user).post(
        "/2fa/verify", {"code": codes[4].replace(" ", "").upper()}
    )
    assert other.status_code == 302


def test_an_unsafe_next_address_is_ignored():
    user, device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)

    response = client.post(
        "/2fa/verify?next=https://evil.example/steal",
        {"code": code_for(device, steps_ahead=1)},
    )

    assert response["Location"] == "/profile"


def test_the_verify_page_lets_a_user_without_a_device_straight_through(client):
    client.force_login(UserFactory())

    response = client.get("/2fa/verify?next=/balance")

    assert response.status_code == 302
    assert response["Location"] == "/balance"


def test_the_verify_page_needs_a_log_in_first(client):
    response = client.get("/2fa/verify")

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


def test_logging_in_with_telegram_asks_for_the_code_before_anything_else(client):
    telegram_login(client, sign(telegram_fields()))
    user = User.objects.get()
    device, _codes = enable(client, user)
    client.post("/logout")

    response = telegram_login(client, sign(telegram_fields()))

    assert response["Location"] == "/profile"
    landing = client.get("/profile")
    assert landing.status_code == 302
    assert landing["Location"] == "/2fa/verify?next=%2Fprofile"
    verified = client.post(
        "/2fa/verify?next=/profile", {"code": code_for(device, steps_ahead=1)}
    )
    assert verified["Location"] == "/profile"
    assert client.get("/profile").status_code == 200


def test_the_verify_page_is_in_the_users_language():
    user, _device, _codes = user_with_two_factor()
    User.objects.filter(pk=user.pk).update(language="ru")
    client = logged_in_unverified(user)

    html = client.get("/2fa/verify").content.decode()

    assert '<html lang="ru"' in html


# -- limits on wrong codes ---------------------------------------------------------


def test_five_wrong_codes_pause_every_code_check_for_five_minutes(no_device_throttle):
    user, device, codes = user_with_two_factor()
    client = logged_in_unverified(user)
    for _attempt in range(5):
        assert (
            client.post("/2fa/verify", {"code": wrong_code(device)}).status_code == 400
        )

    response = client.post("/2fa/verify", {"code": code_for(device, steps_ahead=1)})

    assert response.status_code == 400
    assert (
        "Too many wrong codes. For your safety, try again in 5 minutes."
        in error_text(response)
    )
    assert client.get("/dashboard").status_code == 302
    # Per user, not per session: another browser is paused too, backup codes too.
    other = logged_in_unverified(user)
    assert other.post("/2fa/verify", {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_the_pause_ends_when_the_window_has_passed(no_device_throttle):
    user, device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)
    for _attempt in range(5):
        client.post("/2fa/verify", {"code": wrong_code(device)})

    forget_attempts()  # what five minutes do to the counter

    response = client.post("/2fa/verify", {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302


def test_a_right_code_resets_the_count_of_wrong_ones(no_device_throttle):
    user, device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)
    for _attempt in range(4):
        client.post("/2fa/verify", {"code": wrong_code(device)})
    assert (
        client.post(
            "/2fa/verify", {"code": code_for(device, steps_ahead=1)}
        ).status_code
        == 302
    )
    second = logged_in_unverified(user)

    for _attempt in range(4):
        assert (
            second.post("/2fa/verify", {"code": wrong_code(device)}).status_code == 400
        )
    assert "Too many" not in error_text(
        second.post("/2fa/verify", {"code": wrong_code(device)})
    )


def test_the_devices_own_throttle_asks_to_wait_after_a_wrong_code():
    user, device, _codes = user_with_two_factor()
    client = logged_in_unverified(user)
    client.post("/2fa/verify", {"code": wrong_code(device)})

    response = client.post("/2fa/verify", {"code": code_for(device, steps_ahead=1)})

    assert response.status_code == 400
    assert "Too many wrong codes in a row. Wait 1 second, then try again." in (
        error_text(response)
    )
    assert client.get("/dashboard").status_code == 302


def test_wrong_codes_while_setting_up_count_too(no_device_throttle):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    device = start_setup(client, user)
    for _attempt in range(5):
        client.post("/2fa/setup", {"code": wrong_code(device)})

    response = client.post("/2fa/setup", {"code": code_for(device)})

    assert "Too many wrong codes" in error_text(response)
    device.refresh_from_db()
    assert not device.confirmed


# -- turning it off, new backup codes ----------------------------------------------


def verified_client(user: User, device: TOTPDevice) -> Client:
    client = logged_in_unverified(user)
    assert (
        client.post(
            "/2fa/verify", {"code": code_for(device, steps_ahead=1)}
        ).status_code
        == 302
    )
    return client


def test_turning_it_off_needs_a_right_code(no_device_throttle):
    user, device, _codes = user_with_two_factor()
    client = verified_client(user, device)

    response = client.post("/2fa/disable", {"disable-code": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not right." in error_text(response)
    user.refresh_from_db()
    assert user.two_factor_enabled
    assert TOTPDevice.objects.filter(user=user).exists()


def test_turning_it_off_with_a_backup_code_removes_every_device():
    user, device, codes = user_with_two_factor()
    client = verified_client(user, device)

    response = client.post("/2fa/disable", {"disable-code": codes[0]})

    assert response.status_code == 302
    assert (
        "Two-factor authentication is off." in client.get("/settings").content.decode()
    )
    user.refresh_from_db()
    assert not user.two_factor_enabled
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    # A fresh log-in is no longer asked for a code.
    assert logged_in_unverified(user).get("/dashboard").status_code == 200


def test_new_backup_codes_replace_the_old_ones(no_device_throttle):
    user, device, old_codes = user_with_two_factor()
    client = verified_client(user, device)

    response = client.post(
        "/2fa/backup-codes/new", {"regenerate-code": code_for(device, steps_ahead=-1)}
    )

    # steps_ahead=-1 is before the window the log-in used: refused as reused.
    assert response.status_code == 400
    response = client.post("/2fa/backup-codes/new", {"regenerate-code": old_codes[0]})
    assert response.status_code == 302
    html = client.get("/2fa/backup-codes").content.decode()
    new_codes = re.findall(r'data-testid="backup-code">([a-z2-7 ]+)<', html)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert (
        logged_in_unverified(user)
        .post("/2fa/verify", {"code": old_codes[1]})
        .status_code
        == 400
    )
    assert (
        logged_in_unverified(user)
        .post("/2fa/verify", {"code": new_codes[1]})
        .status_code
        == 302
    )


def test_turning_off_or_renewing_codes_when_it_is_not_on_just_says_so(client):
    client.force_login(UserFactory())

    for path, field in [
        ("/2fa/disable", "disable-code"),
        ("/2fa/backup-codes/new", "regenerate-code"),
    ]:
        response = client.post(path, {field: "123456"}, follow=True)
        assert "Two-factor authentication is not on." in response.content.decode()
    assert not StaticToken.objects.exists()


def test_turning_it_off_takes_a_post():
    user, device, _codes = user_with_two_factor()
    client = verified_client(user, device)

    assert client.get("/2fa/disable").status_code == 405


# -- the flag follows the devices, whoever changes them ----------------------------


def test_a_device_made_or_removed_elsewhere_turns_the_step_on_and_off():
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    user.refresh_from_db()
    assert user.two_factor_enabled

    device.delete()

    user.refresh_from_db()
    assert not user.two_factor_enabled


def test_an_unconfirmed_device_does_not_turn_the_step_on():
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=False)

    user.refresh_from_db()
    assert not user.two_factor_enabled


# -- the admin keeps its own gate ---------------------------------------------------


def test_staff_verified_on_the_site_reach_the_admin_and_unverified_ones_do_not():
    staff = UserFactory(is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = logged_in_unverified(staff)

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

    client.post("/2fa/verify", {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200
