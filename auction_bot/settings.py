"""Bot-Auction settings: everything that differs between machines comes from the
environment (a `.env` file in the project root is read when present).

Embedded defaults make `make run` work on a bare machine: SQLite (tuned for a handful
of concurrent writers) and a SQLite-backed Celery broker. `DATABASE_URL` and
`REDIS_URL` switch to the production shape (PostgreSQL, Redis).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
DEFAULT_SECRET_KEY = "insecure-dev-key-change-me"  # noqa: S105
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_base.hostname or "localhost"])
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

# Checked here rather than in a system check: a production process must not even
# start with a key that is public in this repository.
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: DEBUG=0 refuses the default key.")

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.telegram",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "accounts",
    "auctions",
    "payments",
    "gamification",
    "support",
    "telegrambot",
]

MIDDLEWARE = [
    "auction_bot.middleware.RequestIdMiddleware",
    "auction_bot.middleware.HtmxLoginRedirectMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "auction_bot.urls"
WSGI_APPLICATION = "auction_bot.wsgi.application"
ASGI_APPLICATION = "auction_bot.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "auction_bot.context_processors.site",
            ],
        },
    },
]

# DATABASE
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite for a bare machine. WAL lets readers run beside the writer, the busy
    # timeout makes a writer wait instead of failing, and IMMEDIATE transactions take
    # the write lock at BEGIN: without it two transactions that both read then write
    # deadlock and one gets "database is locked" at once, whatever the timeout.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="auction"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# AUTH
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "profile"
LOGOUT_REDIRECT_URL = "home"
# Shown beside the account in staff members' authenticator apps.
OTP_TOTP_ISSUER = "Bot-Auction"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# ALLAUTH: Telegram is the only way in for users; Telegram gives no e-mail, so
# sign-up must neither ask for one nor verify one.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _base.scheme or "https"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"

# I18N
LANGUAGE_CODE = "en"
LANGUAGES = [("ru", _("Russian")), ("en", _("English")), ("ar", _("Arabic"))]
RTL_LANGUAGES = {"ar"}
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("ru", "en", "ar")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "ru")
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# STATIC AND MEDIA
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from the npm registry (package.json) and are served by
# whitenoise: the site works on a machine with no internet.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# SECURITY: production switches (DEBUG=0)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# CELERY
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
if not CELERY_BROKER_URL:
    # kombu's SQLAlchemy transport over a SQLite file: no server to install, and
    # it drains a few hundred tasks a second, plenty for one machine.
    CELERY_BROKER_URL = f"sqla+sqlite:///{BASE_DIR / 'celery-broker.sqlite3'}"
CELERY_RESULT_BACKEND = None
# Deployments (or test runs) that share one broker keep apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# A task is acknowledged after it ran, so a worker killed mid-task leaves it to be
# redelivered; the tasks are idempotent, which makes that safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Worker log lines go through LOGGING (JSON, one line per event) like the rest.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often the auction lifecycle runs: an auction closes (and a scheduled one
# opens) at most this many seconds after its moment.
AUCTION_SWEEP_SECONDS = env.int("AUCTION_SWEEP_SECONDS", default=5)
# The whole periodic schedule, in one place. django-celery-beat's scheduler copies
# it into the database, where staff can see it in the admin.
CELERY_BEAT_SCHEDULE = {
    # Lifecycle sweeps expire unstarted: after an outage the next one does the
    # work, so a backlog of identical sweeps is only noise.
    "auctions-close-due": {
        "task": "auctions.tasks.auctions_close_due",
        "schedule": timedelta(seconds=AUCTION_SWEEP_SECONDS),
        "options": {"expire_seconds": 60},
    },
    "auctions-open-scheduled": {
        "task": "auctions.tasks.auctions_open_scheduled",
        "schedule": timedelta(seconds=AUCTION_SWEEP_SECONDS),
        "options": {"expire_seconds": 60},
    },
    "auctions-send-reminders": {
        "task": "auctions.tasks.auctions_send_reminders",
        "schedule": timedelta(seconds=max(AUCTION_SWEEP_SECONDS, 30)),
        "options": {"expire_seconds": 120},
    },
    "notifications-requeue-stuck": {
        "task": "accounts.tasks.notifications_requeue_stuck",
        "schedule": timedelta(minutes=1),
    },
    "celery-beat-heartbeat": {
        "task": "auction_bot.celery.heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    "payments-subscriptions-sweep": {
        "task": "payments.tasks.subscriptions_sweep",
        "schedule": timedelta(minutes=10),
    },
}

# TELEGRAM
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_USERNAME = env.str("TELEGRAM_BOT_USERNAME", default="").lstrip("@")
TELEGRAM_API_BASE_URL = env.str(
    "TELEGRAM_API_BASE_URL", default="https://api.telegram.org"
).rstrip("/")
TELEGRAM_WEBHOOK_SECRET = env.str("TELEGRAM_WEBHOOK_SECRET", default="")
TELEGRAM_LOGIN_MAX_AGE = env.int("TELEGRAM_LOGIN_MAX_AGE", default=60)
SOCIALACCOUNT_PROVIDERS = {
    "telegram": {
        "APP": {
            "client_id": TELEGRAM_BOT_TOKEN.split(":", 1)[0],
            "secret": TELEGRAM_BOT_TOKEN,
        },
        "AUTH_PARAMS": {"auth_date_validity": TELEGRAM_LOGIN_MAX_AGE},
    }
}

# PAYMENTS AND PRODUCT RULES
PROVIDER_TOKEN = env.str("PROVIDER_TOKEN", default="")
# Selling stars for money through a Telegram payment provider (only when a token is
# set): the invoice currency, and the price of one star in its minor units (cents).
PROVIDER_CURRENCY = env.str("PROVIDER_CURRENCY", default="USD")
PROVIDER_PRICE_PER_STAR = env.int("PROVIDER_PRICE_PER_STAR", default=2)
PLATFORM_FEE_PERCENT = env.int("PLATFORM_FEE_PERCENT", default=5)
SUBSCRIPTION_PRICE_STARS = env.int("SUBSCRIPTION_PRICE_STARS", default=100)
SUBSCRIPTION_DAYS = env.int("SUBSCRIPTION_DAYS", default=30)

# AUCTIONS: "ending soon" reminders, minutes before the end (each sent once).
AUCTION_REMINDERS_MINUTES = env.list(
    "AUCTION_REMINDERS_MINUTES", cast=int, default=[60, 10]
)
# Extra close sweeps a backlog (many auctions ending at once) may call in, to use
# more worker processes: about the number of worker processes in all, minus one.
AUCTION_CLOSE_HELPERS = env.int("AUCTION_CLOSE_HELPERS", default=3)

# AUCTION PICTURES: limits on uploads (checked by decoding, see auctions/images.py)
AUCTION_IMAGE_MAX_BYTES = env.int("AUCTION_IMAGE_MAX_BYTES", default=8 * 1024 * 1024)
AUCTION_IMAGE_MAX_PIXELS = env.int("AUCTION_IMAGE_MAX_PIXELS", default=40_000_000)
AUCTION_IMAGES_MAX = env.int("AUCTION_IMAGES_MAX", default=10)
AUCTION_THUMBNAIL_WIDTH = env.int("AUCTION_THUMBNAIL_WIDTH", default=480)

# NOTIFICATIONS
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# Telegram allows a bot about 30 messages a second in all; stay a little under it
# (shared by every worker through the cache when it is Redis; 0 turns it off).
TELEGRAM_MESSAGES_PER_SECOND = env.int("TELEGRAM_MESSAGES_PER_SECOND", default=25)
EMAIL_SERVICE_API_KEY = env.str("EMAIL_SERVICE_API_KEY", default="")
PUSH_NOTIFICATION_SERVICE_KEY = env.str("PUSH_NOTIFICATION_SERVICE_KEY", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Bot-Auction <noreply@localhost>"
)

# LOGGING: one JSON line per event, carrying the request or update id.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "auction_bot.logging.ContextFilter"}},
    "formatters": {"json": {"()": "auction_bot.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# SENTRY
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
