"""Fixtures shared by every app's tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from telegrambot.tests.fake_botapi import FakeBotAPI


@pytest.fixture
def fake_botapi(settings) -> Iterator[FakeBotAPI]:
    """A fake Bot API server on 127.0.0.1; every Bot API caller in the project is
    pointed at it through TELEGRAM_API_BASE_URL."""
    server = FakeBotAPI(django_settings.TELEGRAM_BOT_TOKEN).start()
    settings.TELEGRAM_API_BASE_URL = server.root
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in Russian (or a bot reply in Arabic) must not leave that language
    active for the next test in the same process."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _test_media_removed() -> Iterator[None]:
    """Uploaded test pictures live in a folder of this process; gone afterwards."""
    yield
    shutil.rmtree(django_settings.MEDIA_ROOT, ignore_errors=True)
