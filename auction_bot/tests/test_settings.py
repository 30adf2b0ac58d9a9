"""The settings read the environment; these run a fresh interpreter per case so the
module is evaluated with exactly the variables given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "secure_cookies": getattr(settings, "SESSION_COOKIE_SECURE", False) and getattr(settings, "CSRF_COOKIE_SECURE", False),
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "bot_api": settings.TELEGRAM_API_BASE_URL,
}))
"""


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "DEBUG",
            "SECRET_KEY",
            "BASE_URL",
            "ALLOWED_HOSTS",
            "TELEGRAM_API_BASE_URL",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="auction_bot.settings")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_environment_it_uses_sqlite_tuned_for_concurrency_and_an_embedded_broker():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["db_options"]["init_command"]
    assert values["db_options"]["timeout"] >= 10
    assert values["broker"].startswith("sqla+sqlite:///")
    assert values["bot_api"] == "https://api.telegram.org"


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    result = load_settings(
        DATABASE_URL="postgres://u@db.example:5432/auction",
        REDIS_URL="redis://cache.example:6379/0",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:8081/",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["broker"] == "redis://cache.example:6379/0"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["bot_api"] == "http://127.0.0.1:8081"


def test_production_refuses_to_start_with_the_default_secret_key():
    result = load_settings(DEBUG="0", BASE_URL="https://auction.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_turns_on_secure_cookies_hsts_and_hosts_from_base_url():
    result = load_settings(
        DEBUG="0", SECRET_KEY="a-real-secret", BASE_URL="https://auction.example"
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["allowed_hosts"] == ["auction.example"]
    assert values["secure_cookies"] is True
    assert values["hsts"] >= 31536000
