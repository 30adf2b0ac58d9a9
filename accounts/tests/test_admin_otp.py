from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "password"  # the factories' password


def current_token(device: TOTPDevice) -> str:
    token = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift,
    )
    return f"{token:0{device.digits}d}"


def admin_login(client, user, token: str = ""):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD, "otp_token": token},
    )


def test_staff_without_a_device_cannot_log_in_to_the_admin_with_the_right_password(
    client,
):
    staff = StaffUserFactory()

    response = admin_login(client, staff)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/admin/").status_code == 302


def test_a_logged_in_but_unverified_staff_member_is_sent_to_the_admin_login(client):
    staff = StaffUserFactory(is_superuser=True)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)

    for path in ("/admin/", "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_with_a_device_and_a_correct_token_reach_the_admin(client):
    staff = StaffUserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    response = admin_login(client, staff, current_token(device))

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_a_wrong_token_is_refused(client):
    staff = StaffUserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    wrong = f"{(int(current_token(device)) + 1) % 10**6:06d}"

    response = admin_login(client, staff, wrong)

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_token_without_the_password_is_refused(client):
    staff = StaffUserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    client.post(
        "/admin/login/",
        {
            "username": staff.username,
            "password": "nope",
            "otp_token": current_token(device),
        },
    )

    assert client.get("/admin/").status_code == 302


def test_a_non_staff_user_with_a_device_is_not_let_in(client):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    admin_login(client, user, current_token(device))

    assert client.get("/admin/").status_code == 302


def test_otp_enroll_gives_staff_a_device_that_opens_the_admin(client, capsys):
    staff = StaffUserFactory(is_superuser=True)

    call_command("otp_enroll", staff.username)

    output = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed
    assert f"otpauth://totp/Bot-Auction%3A{staff.username}?secret=" in output
    assert device.config_url in output
    assert "█" in output or "▀" in output  # the QR code, drawn with block characters
    assert admin_login(client, staff, current_token(device)).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_otp_enroll_will_not_silently_replace_a_device():
    staff = StaffUserFactory()
    call_command("otp_enroll", staff.username)

    with pytest.raises(CommandError, match="--force"):
        call_command("otp_enroll", staff.username)
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_otp_enroll_with_force_replaces_the_device():
    staff = StaffUserFactory()
    call_command("otp_enroll", staff.username)
    old_key = TOTPDevice.objects.get(user=staff).key

    call_command("otp_enroll", staff.username, "--force")

    device = TOTPDevice.objects.get(user=staff)
    assert device.key != old_key
    assert device.confirmed


def test_otp_enroll_refuses_a_user_who_is_not_staff():
    user = UserFactory()

    with pytest.raises(CommandError, match="not staff"):
        call_command("otp_enroll", user.username)
    assert not TOTPDevice.objects.exists()


def test_otp_enroll_refuses_an_unknown_username():
    with pytest.raises(CommandError, match="No user"):
        call_command("otp_enroll", "nobody-here")


def test_staff_may_also_name_the_device_explicitly(client):
    staff = StaffUserFactory(is_superuser=True)
    TOTPDevice.objects.create(user=staff, name="old phone", confirmed=True)
    device = TOTPDevice.objects.create(user=staff, name="new phone", confirmed=True)

    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": staff.username,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": current_token(device),
        },
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_token_works_only_once(client):
    staff = StaffUserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    token = current_token(device)
    admin_login(client, staff, token)
    client.post("/admin/logout/")

    response = admin_login(client, staff, token)

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
