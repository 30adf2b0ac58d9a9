"""The Celery app. Configuration lives in settings (the CELERY_ namespace), the
periodic schedule in settings.CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "auction_bot.settings")

app = Celery("auction_bot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@app.task(name="auction_bot.celery.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Proves in the logs that beat schedules and a worker runs tasks."""
    logger.info("celery heartbeat")
