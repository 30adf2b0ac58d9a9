"""Test settings: the real settings with a fixed bot token, fast hashing and an
in-memory Celery broker (tests that need a real worker switch it to Redis)."""

from __future__ import annotations

import os

os.environ.setdefault("TELEGRAM_BOT_TOKEN", "123456789:TEST-token-for-the-fake-bot-api")
os.environ.setdefault("TELEGRAM_BOT_USERNAME", "bot_auction_test_bot")
os.environ.setdefault("DEBUG", "1")
os.environ["SECRET_KEY"] = "test-secret-key"

from .settings import *  # noqa: E402,F403
from .settings import BASE_DIR, CACHES, DATABASES, REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = "memory://"
TELEGRAM_API_BASE_URL = "http://127.0.0.1:9"  # tests point this at the fake Bot API

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so that threads (the bot, a Celery worker) share it.
    # One file per test process, so two test runs on one machine never share it.
    (BASE_DIR / ".test-db").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / ".test-db" / f"test-{os.getpid()}.sqlite3")
    }
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = f"test-{_worker}"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = str(BASE_DIR / ".test-media" / f"{_worker}-{os.getpid()}")
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Static files straight from the app folders and node_modules, as in development:
# a fresh clone has run no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
