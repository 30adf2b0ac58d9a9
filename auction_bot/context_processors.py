from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict[str, object]:
    language = get_language() or settings.LANGUAGE_CODE
    return {
        "BASE_URL": settings.BASE_URL,
        "TELEGRAM_BOT_USERNAME": settings.TELEGRAM_BOT_USERNAME,
        "LANGUAGE_IS_RTL": language.split("-")[0] in settings.RTL_LANGUAGES,
    }
