"""/settings: language, notification channels per kind, Telegram, 2FA section."""

from __future__ import annotations

import re

import pytest

from accounts.models import NotificationPreference
from accounts.notification_preferences import INTERNAL_KINDS, KIND_LABELS
from accounts.notifications import notification_kinds
from accounts.selectors import (
    notification_channel_enabled,
    notification_preferences_for,
)
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def checked_boxes(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_]+:[a-z]+)" id="[^"]+" checked>', html))


def all_boxes(html: str) -> set[str]:
    return set(
        re.findall(r'type="checkbox" class="form-check-input" name="([^"]+)"', html)
    )


def test_the_settings_page_needs_a_login(client):
    response = client.get("/settings")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/settings"


def test_by_default_telegram_and_the_site_are_on_for_every_kind(client):
    client.force_login(UserFactory())

    html = client.get("/settings").content.decode()

    boxes = all_boxes(html)
    assert "auction_outbid:email" in boxes and "auction_outbid:push" in boxes
    assert checked_boxes(html) == {
        name for name in boxes if name.endswith((":telegram", ":site"))
    }
    assert "Someone outbid me" in html
    assert "test:telegram" not in boxes  # internal kinds are not offered


def test_saving_stores_each_choice_and_the_page_shows_it_again(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get("/settings").content.decode()
    wanted = {
        name
        for name in all_boxes(html)
        if name.endswith(":telegram") and not name.startswith("auction_ending_soon")
    } | {"auction_outbid:email", "auction_won:push"}

    response = client.post("/settings", {name: "on" for name in wanted})

    assert response.status_code == 302
    assert response["Location"] == "/settings"
    page = client.get("/settings").content.decode()
    assert "Your notification settings are saved." in page
    assert checked_boxes(page) == wanted
    prefs = notification_preferences_for(user=user)
    assert prefs[("auction_outbid", "email")] is True
    assert prefs[("auction_ending_soon", "telegram")] is False
    assert prefs[("auction_outbid", "site")] is False
    assert notification_channel_enabled(user=user, kind="auction_won", channel="push")
    assert not notification_channel_enabled(
        user=user, kind="auction_ending_soon", channel="telegram"
    )


def test_saving_twice_updates_the_rows_instead_of_adding_more(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/settings", {"auction_outbid:email": "on"})
    count = NotificationPreference.objects.filter(user=user).count()

    client.post("/settings", {"auction_outbid:push": "on"})

    assert NotificationPreference.objects.filter(user=user).count() == count
    prefs = notification_preferences_for(user=user)
    assert prefs[("auction_outbid", "push")] is True
    assert prefs[("auction_outbid", "email")] is False


def test_one_users_choices_do_not_touch_anothers(client):
    me, other = UserFactory(), UserFactory()
    client.force_login(me)

    client.post("/settings", {})

    assert notification_channel_enabled(
        user=other, kind="auction_won", channel="telegram"
    )
    assert not notification_channel_enabled(
        user=me, kind="auction_won", channel="telegram"
    )


def test_an_unknown_field_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)

    client.post("/settings", {"made_up_kind:telegram": "on", "auction_won:fax": "on"})

    kinds = set(NotificationPreference.objects.values_list("kind", flat=True))
    channels = set(NotificationPreference.objects.values_list("channel", flat=True))
    assert "made_up_kind" not in kinds
    assert "fax" not in channels


def test_internal_kinds_are_always_delivered_on_the_default_channels():
    user = UserFactory()

    assert notification_channel_enabled(user=user, kind="welcome", channel="telegram")


def test_every_notification_kind_has_a_label_on_the_settings_page():
    # A new kind needs a label in accounts/notification_preferences.py.
    missing = set(notification_kinds()) - INTERNAL_KINDS - KIND_LABELS.keys()

    assert not missing


def test_the_checkboxes_are_grouped_and_labelled_for_screen_readers(client):
    client.force_login(UserFactory())

    html = client.get("/settings").content.decode()

    group = re.search(
        r'<fieldset[^>]*data-testid="notification-kind-auction_outbid">(.*?)</fieldset>',
        html,
        re.S,
    ).group(1)
    assert "<legend" in group and "Someone outbid me" in group
    for box_id in re.findall(r'id="(id_auction_outbid:[a-z]+)"', group):
        assert f'<label class="form-check-label" for="{box_id}">' in group


def test_the_settings_page_shows_the_connected_telegram_account(client):
    client.force_login(UserFactory(telegram_username="omar_tg"))

    html = client.get("/settings").content.decode()

    assert "@omar_tg" in html
    assert "Connected" in html


def test_the_settings_page_saves_the_language_and_comes_back(client):
    user = UserFactory(language="en")
    client.force_login(user)

    response = client.post("/language", {"language": "ru", "next": "/settings"})

    assert response["Location"] == "/settings"
    user.refresh_from_db()
    assert user.language == "ru"
    assert 'lang="ru"' in client.get("/settings").content.decode()


def test_the_two_factor_section_offers_to_turn_it_on(client):
    client.force_login(UserFactory())

    html = client.get("/settings").content.decode()

    assert 'action="/2fa/setup/start"' in html
    assert 'data-testid="two-factor-enable"' in html
