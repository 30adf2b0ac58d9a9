from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from telegram.error import InvalidToken

from telegrambot.app import POLLING_OPTIONS, build_application


class Command(BaseCommand):
    help = "Run the Telegram bot by long polling (one process per bot token)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError(
                "TELEGRAM_BOT_TOKEN is not set. Put the token @BotFather gave you in "
                "the environment or in .env, then run the bot again."
            )
        application = build_application()
        self.stdout.write(
            f"Bot polling {settings.TELEGRAM_API_BASE_URL} (Ctrl-C stops it)"
        )
        try:
            # Stops cleanly on SIGINT/SIGTERM: updates in progress are finished first.
            application.run_polling(**POLLING_OPTIONS)
        except InvalidToken as exc:
            raise CommandError(
                f"The Bot API refused TELEGRAM_BOT_TOKEN: {exc}"
            ) from exc
