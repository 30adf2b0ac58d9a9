"""The bot's words, in one place: lazy, so they are translated when rendered inside
`i18n.use_language(...)`. Plain text (no parse mode), so names need no escaping."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# The commands the bot has, in menu order: shown by /help and sent to Telegram's
# command menu with setMyCommands. Add a command here when its handler exists.
COMMANDS = [
    ("start", _("Main menu")),
    ("auctions", _("Browse active auctions")),
    ("balance", _("Your stars")),
    ("status", _("Your account: stars and subscription")),
    ("buy_stars", _("Buy stars")),
    ("subscribe", _("Subscription for creating auctions")),
    ("paysupport", _("Help with a payment")),
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

# -- account ------------------------------------------------------------------
SUBSCRIPTION_ACTIVE = _("Subscription: active until %(date)s")
SUBSCRIPTION_NONE = _("Subscription: none")
STATUS = _(
    "Your account, %(name)s\n"
    "Available: %(available)s ⭐\n"
    "Held for your bids: %(held)s ⭐\n"
    "%(subscription)s"
)
ACCOUNT_SUSPENDED = _("Your account is suspended: you cannot buy, bid or sell.")
BUTTON_BUY_STARS = _("➕ Buy stars")
BUTTON_SUBSCRIBE_INFO = _("📅 Subscription")

# -- buying stars ---------------------------------------------------------------
BUY_MENU = _(
    "How many stars would you like to buy? Stars pay for your bids and for the "
    "subscription.\nYour balance: %(balance)s ⭐"
)
BUY_MENU_CARD = _("You can pay with Telegram Stars or by card (💳).")
BUTTON_BUY_CARD = _("💳 %(count)s ⭐ by card")
BUTTON_BUY_STARS_METHOD = _("⭐ %(count)s with Telegram Stars")
BUTTON_BUY_OTHER = _("Another amount")
ASK_AMOUNT = _(
    "How many stars? Send a whole number from %(min)s to %(max)s, or /cancel."
)
AMOUNT_NOT_A_NUMBER = _("That is not a whole number of stars.")
# The same words as the payments service uses, so both share one translation.
AMOUNT_OUT_OF_RANGE = _("You can buy from %(min)s to %(max)s stars at a time.")
CHOOSE_METHOD = _("How would you like to pay for %(count)s ⭐?")
# Plurals choose their form by "count" (a number) and show "stars" (the number
# written for the language).
INVOICE_TITLE = ngettext_lazy(
    "%(stars)s star for Bot-Auction", "%(stars)s stars for Bot-Auction", "count"
)
INVOICE_DESCRIPTION = _(
    "Stars for your Bot-Auction balance: bid on auctions and pay for a "
    "subscription. They are added as soon as the payment goes through."
)
INVOICE_LABEL = ngettext_lazy("%(stars)s star", "%(stars)s stars", "count")
PAYMENT_CREDITED = _(
    "Thank you! %(count)s ⭐ added to your balance.\nYour balance: %(balance)s ⭐"
)
PAYMENT_ALREADY_CREDITED = _(
    "This payment has already been added to your balance.\nYour balance: %(balance)s ⭐"
)
CANCELLED = _("Cancelled.")
NOTHING_TO_CANCEL = _("There is nothing to cancel.")

# -- subscription -----------------------------------------------------------------
SUBSCRIBE_INFO = _(
    "A subscription lets you create auctions. Buying it again while it runs extends it."
)
SUBSCRIBE_PRICE = ngettext_lazy(
    "Price: %(price)s ⭐ for %(days)s day.",
    "Price: %(price)s ⭐ for %(days)s days.",
    "days",
)
BALANCE_LINE = _("Your balance: %(balance)s ⭐")
BUTTON_SUBSCRIBE = _("Subscribe for %(price)s ⭐")
BUTTON_SUBSCRIBE_EXTEND = _("Extend for %(price)s ⭐")
SUBSCRIBED = _(
    "Done! Your subscription is active until %(date)s.\nYour balance: %(balance)s ⭐"
)

# -- payment support ---------------------------------------------------------------
SUPPORT_CHOOSE_PAYMENT = _(
    "Which payment is this about? Choose it below, or “Another problem”.\n"
    "Send /cancel to stop."
)
BUTTON_SUPPORT_PAYMENT = _("%(date)s · %(count)s ⭐ · payment #%(id)s")
BUTTON_SUPPORT_OTHER = _("Another problem")
SUPPORT_ASK_MESSAGE = _(
    "Describe the problem in one message and our support team will look into it. "
    "Send /cancel to stop."
)
SUPPORT_ASK_MESSAGE_PAYMENT = _(
    "Payment #%(id)s: %(count)s ⭐ on %(date)s.\n"
    "Describe the problem in one message and our support team will look into it. "
    "Send /cancel to stop."
)
SUPPORT_USE_BUTTONS = _("Please choose with the buttons above, or send /cancel.")
SUPPORT_PAYMENT_UNKNOWN = _(
    "That payment was not found. Send /paysupport to start again."
)
SUPPORT_TICKET_OPENED = _(
    "Thank you. Your request is ticket #%(id)s; our support team will look into it."
)

# -- auctions ------------------------------------------------------------------------
AUCTIONS_EMPTY = _("There are no active auctions right now. Look in again later!")
AUCTIONS_HEADER = _(
    "Active auctions, ending soonest first (page %(page)s of %(pages)s):"
)
AUCTIONS_LINE = _("%(number)s. %(title)s — %(price)s — %(left)s left")
AUCTIONS_LINE_SEALED = _("%(number)s. %(title)s — sealed bids — %(left)s left")
BUTTON_PREVIOUS = _("◀️ Previous")
BUTTON_NEXT = _("Next ▶️")
AUCTION_NOT_FOUND = _("This auction was not found: the link may be out of date.")

CARD_TYPE = _("Type: %(type)s")
CARD_SELLER = _("Seller: %(name)s")
CARD_PRICE_START = _("Starting price: %(price)s ⭐")
CARD_PRICE = _("Current price: %(price)s ⭐")
CARD_NEXT_BID = _("Next bid from %(amount)s ⭐")
CARD_PRICE_DUTCH = _("Price now: %(price)s ⭐")
CARD_DUTCH_STEPS = _(
    "It drops by %(step)s ⭐ every %(minutes)s min, down to %(floor)s ⭐. "
    "The first to accept wins."
)
CARD_PRICE_SEALED = _("Bids are sealed until the end. Minimum bid: %(price)s ⭐")
CARD_BUY_NOW = _("Buy it now: %(price)s ⭐ (until the first bid)")
CARD_BIDS = ngettext_lazy("%(shown)s bid", "%(shown)s bids", "count")
CARD_ENDS_IN = _("Ends in %(left)s")
CARD_ENDS_IN_PERPETUAL = _(
    "Ends in %(left)s unless someone bids: each bid restarts the countdown."
)
CARD_STARTS_IN = _("Starts in %(left)s")
CARD_LESS_THAN_A_MINUTE = _("less than a minute")
CARD_EXTENSIONS = _("Extensions left: %(left)s of %(max)s")
CARD_RESERVE_MET = _("Reserve price: met")
CARD_RESERVE_NOT_MET = _("Reserve price: not met yet")
CARD_ENDED_SOLD = _("This auction has ended: sold for %(price)s ⭐.")
CARD_ENDED_UNSOLD = _("This auction has ended without a sale.")
CARD_CANCELLED = _("This auction was cancelled.")
CARD_YOURS = _("This is your auction.")
CARD_YOU_WON = _("You won this auction for %(price)s ⭐.")
CARD_LEADING = _("You are the highest bidder (your maximum: %(maximum)s ⭐).")
CARD_OUTBID = _("You have been outbid.")
CARD_SEALED_OWN = _("Your sealed bid: %(amount)s ⭐")
CARD_HELD = _("Held for this auction: %(amount)s ⭐")

BUTTON_BID = _("Bid %(amount)s ⭐")
BUTTON_BID_TWO_STEPS = _("+2 increments: %(amount)s ⭐")
BUTTON_CUSTOM_AMOUNT = _("✏️ Custom amount")
BUTTON_SET_MAXIMUM = _("🤖 Set maximum")
BUTTON_RAISE_MAXIMUM = _("🤖 Raise maximum")
BUTTON_ACCEPT = _("Accept at %(amount)s ⭐")
BUTTON_BUY_NOW = _("Buy now %(amount)s ⭐")
BUTTON_WATCH = _("👁 Watch")
BUTTON_UNWATCH = _("🚫 Unwatch")
BUTTON_REFRESH = _("🔄 Refresh")
BUTTON_AUCTION_WEB = _("🌐 Open on the web")
BUTTON_AUCTION_CARD = _("🔨 Open the auction")

BID_LEADING = _("Bid placed: you are the highest bidder at %(price)s ⭐.")
BID_OUTBID = _(
    "Bid placed, but another bidder's maximum is higher: the price is now "
    "%(price)s ⭐ and you have been outbid."
)
BID_SEALED = _("Your sealed bid of %(amount)s ⭐ is placed.")
MAXIMUM_LEADING = _(
    "Your maximum is %(maximum)s ⭐: you lead at %(price)s ⭐, and we bid for you "
    "only as much as needed."
)
BOUGHT = _("It is yours: you bought “%(title)s” for %(price)s ⭐.")
PRICE_CHANGED = _("The price has changed; here is the updated card.")
WATCHING = _("Added to your watchlist: you will hear about this auction.")
NOT_WATCHING = _("Removed from your watchlist.")
CANNOT_BID = _("You cannot bid on this auction.")
# The same words as the auctions service uses, so both share one translation.
AUCTION_ENDED = _("This auction has ended.")
ASK_BID = _(
    "How many stars do you bid on “%(title)s”? Send a whole number, at least "
    "%(minimum)s, or /cancel."
)
ASK_MAXIMUM = _(
    "The most you would pay for “%(title)s”? We bid for you only as much as "
    "needed to lead, up to it. Send a whole number, at least %(minimum)s, or /cancel."
)
ASK_HIGHER_MAXIMUM = _(
    "Your maximum for “%(title)s” is %(maximum)s ⭐. Send a higher one, or /cancel."
)
