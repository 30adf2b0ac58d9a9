from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegrambotConfig(AppConfig):
    name = "telegrambot"
    verbose_name = _("Telegram bot")
