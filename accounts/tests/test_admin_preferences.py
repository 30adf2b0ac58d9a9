from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import SuperUserFactory, UserFactory
from accounts.tests.test_admin_otp import admin_login, current_token

pytestmark = pytest.mark.django_db


def test_staff_see_who_uses_two_factor_and_their_notification_choices(client):
    staff = SuperUserFactory()
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    member = UserFactory(telegram_username="pref_user")
    member_client = Client()
    member_client.force_login(member)
    member_client.post("/settings", {"auction_won:email": "on"})
    admin_login(client, staff, current_token(device))

    users = client.get("/admin/accounts/user/?two_factor_enabled__exact=1")
    preferences = client.get(
        f"/admin/accounts/notificationpreference/?q={member.telegram_id}"
    )
    change = client.get(f"/admin/accounts/user/{member.pk}/change/")

    assert users.status_code == 200
    assert staff.username in users.content.decode()
    assert member.username not in users.content.decode()
    assert preferences.status_code == 200
    assert "auction_won" in preferences.content.decode()
    assert change.status_code == 200
    assert "Two-factor authentication" in change.content.decode()
