"""The bot's words, in one place: lazy, so they are translated when rendered inside
`i18n.use_language(...)`. Plain text (no parse mode), so names need no escaping."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The commands the bot has, in menu order: shown by /help and sent to Telegram's
# command menu with setMyCommands. Add a command here when its handler exists.
COMMANDS = [
    ("start", _("Main menu")),
    ("balance", _("Your stars")),
    ("help", _("What this bot can do")),
]

WELCOME = _(
    "Hello, %(name)s! This is Bot-Auction: auctions paid in Telegram Stars.\n"
    "Choose below, or send /help to see what I can do."
)
HELP_INTRO = _("Here is what I can do:")
BALANCE = _("Your stars\nAvailable: %(available)s ⭐\nHeld for your bids: %(held)s ⭐")
NO_ACCOUNT = _("You have no account here yet. Send /start to create one.")
UNKNOWN_TEXT = _("I did not understand that. Send /help to see what I can do.")
UNKNOWN_COMMAND = _("I do not know this command. Send /help to see the commands.")
STALE_BUTTON = _("This button is out of date. Send /start for a fresh menu.")
ERROR = _("Sorry, something went wrong on our side. Please try again in a minute.")

BUTTON_BALANCE = _("⭐ Balance")
BUTTON_HELP = _("❓ Help")
BUTTON_SITE = _("🌐 Open the site")
