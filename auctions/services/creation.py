"""Selling: a subscriber puts an auction up, and may change or withdraw it until
the first bid arrives. The rules for the terms are in `terms.py`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from auction_bot.errors import DomainError
from auctions.images import ImageRejected, ProcessedImage, Upload, images_process
from auctions.media import media_links_unique
from auctions.models import Auction, AuctionImage, Category
from payments.selectors import subscription_is_active

from .terms import (
    COMMON_TERMS,
    MODEL_TERMS,
    TERM_FIELDS,
    TYPE_TERMS,
    AuctionInvalid,
    Problem,
    Terms,
    terms_check,
)

logger = logging.getLogger(__name__)

OPEN_STATUSES = (Auction.Status.DRAFT, Auction.Status.SCHEDULED, Auction.Status.ACTIVE)


class SellingNotAllowed(DomainError):
    """The user may not sell (suspended) or may not touch this auction."""


class SubscriptionRequired(SellingNotAllowed):
    """Only subscribers create auctions; pages link the message to /subscribe."""


class AuctionNotEditable(DomainError):
    """The auction has a bid, has ended or was cancelled."""


def auction_create(
    *,
    seller: User,
    title: str,
    type: str,
    starting_price_stars: int,
    images: Sequence[Upload],
    description: str = "",
    category: Category | None = None,
    starts_at: datetime | None = None,
    duration: timedelta | None = None,
    min_increment_stars: int | None = None,
    reserve_price_stars: int | None = None,
    buy_now_price_stars: int | None = None,
    soft_close_minutes: int | None = None,
    extension_minutes: int | None = None,
    max_extensions: int | None = None,
    sealed_pricing: str | None = None,
    dutch_step_stars: int | None = None,
    dutch_interval_minutes: int | None = None,
    dutch_floor_stars: int | None = None,
    inactivity_minutes: int | None = None,
    media_links: Sequence[str] | None = None,
) -> Auction:
    """Put an auction up: active now, or scheduled when `starts_at` is ahead.

    Pictures are checked, re-encoded and written before the transaction opens (CPU
    and disk work; an open write transaction blocks other writers on SQLite); if
    anything is wrong nothing is created and no file is left behind."""
    _seller_check(seller)
    if not subscription_is_active(seller):
        raise SubscriptionRequired(
            _("Subscribe to sell: only subscribers can put auctions up.")
        )
    terms = Terms(
        type=type,
        title=title,
        description=description,
        category=category,
        starting_price_stars=starting_price_stars,
        starts_at=starts_at,
        duration=duration,
        min_increment_stars=min_increment_stars,
        reserve_price_stars=reserve_price_stars,
        buy_now_price_stars=buy_now_price_stars,
        soft_close_minutes=soft_close_minutes,
        extension_minutes=extension_minutes,
        max_extensions=max_extensions,
        sealed_pricing=sealed_pricing,
        dutch_step_stars=dutch_step_stars,
        dutch_interval_minutes=dutch_interval_minutes,
        dutch_floor_stars=dutch_floor_stars,
        inactivity_minutes=inactivity_minutes,
        media_links=media_links,
    )
    now = timezone.now()
    problems = terms_check(terms, now=now)
    pictures = _pictures_check(images, problems, required=True)
    if problems:
        raise AuctionInvalid(problems)

    auction = Auction(seller=seller, type=terms.type)
    _terms_apply(auction, terms, now=now)
    stored: list[str] = []
    try:
        rows = _pictures_save(pictures, stored)
        with transaction.atomic(durable=True):
            auction.save()
            _pictures_attach(auction, rows)
    except BaseException:
        _files_delete(stored)
        raise
    logger.info(
        "auction created",
        extra={
            "auction_id": auction.pk,
            "seller_id": seller.pk,
            "type": auction.type,
            "status": auction.status,
            "images": len(pictures),
        },
    )
    return auction


def auction_update(
    *,
    auction: Auction,
    user: User,
    images: Sequence[Upload] | None = None,
    **changes: Any,
) -> Auction:
    """Change the terms (any of auction_create's, except the type) while nobody
    has bid. `images`, when given, replace all the pictures. The duration counts
    from the start; a started auction's start cannot move."""
    _seller_check(user)
    unknown = set(changes) - (set(TERM_FIELDS) - {"type"})
    if unknown:
        raise TypeError(f"auction_update() got unexpected terms: {sorted(unknown)}")
    problems: list[Problem] = []
    pictures = _pictures_check(images, problems, required=True) if images else None
    stored: list[str] = []
    replaced: list[str] = []
    try:
        rows = _pictures_save(pictures, stored) if pictures is not None else None
        with transaction.atomic(durable=True):
            # A bid locks this row too, so an edit and a first bid are serialised:
            # either the bid comes first and the edit is refused, or the edit
            # commits first and the bid sees the new terms.
            locked = Auction.objects.select_for_update().get(pk=auction.pk)
            _editable_check(locked, user)
            now = timezone.now()
            current = _terms_of(locked)
            if "starts_at" in changes and locked.status == Auction.Status.ACTIVE:
                problems.append(
                    Problem(
                        "starts_at",
                        _("The auction has already started; its start cannot move."),
                    )
                )
                changes.pop("starts_at")
            terms = replace(current, **changes)
            problems[:0] = terms_check(
                terms, now=now, started=locked.status == Auction.Status.ACTIVE
            )
            if problems:
                raise AuctionInvalid(problems)
            _terms_apply(locked, terms, now=now)
            locked.save()
            if rows is not None:
                old = list(locked.images.all())
                replaced = [name for img in old for name in _file_names(img)]
                AuctionImage.objects.filter(pk__in=[img.pk for img in old]).delete()
                _pictures_attach(locked, rows)
            # Old files go only once the new rows are committed.
            transaction.on_commit(lambda: _files_delete(replaced))
    except BaseException:
        _files_delete(stored)
        raise
    logger.info(
        "auction updated",
        extra={"auction_id": locked.pk, "fields": sorted(changes)},
    )
    return locked


def auction_cancel(*, auction: Auction, user: User) -> Auction:
    """Withdraw the auction while nobody has bid; with no bid nobody holds stars
    for it, so there is nothing to release."""
    _seller_check(user)
    with transaction.atomic(durable=True):
        # Locked against a first bid arriving at the same moment (see update).
        locked = Auction.objects.select_for_update().get(pk=auction.pk)
        _editable_check(locked, user)
        now = timezone.now()
        locked.status = Auction.Status.CANCELLED
        locked.close_outcome = Auction.Outcome.CANCELLED
        locked.closed_at = now
        locked.save(
            update_fields=["status", "close_outcome", "closed_at", "updated_at"]
        )
    logger.info("auction cancelled", extra={"auction_id": locked.pk, "by": user.pk})
    return locked


def _seller_check(user: User) -> None:
    if user.is_suspended or not user.is_active:
        raise SellingNotAllowed(
            _("Your account is suspended, so you cannot sell or change auctions.")
        )


def _editable_check(auction: Auction, user: User) -> None:
    if auction.seller_id != user.pk:
        raise SellingNotAllowed(_("Only the seller can change this auction."))
    if auction.status == Auction.Status.CANCELLED:
        raise AuctionNotEditable(_("This auction was cancelled."))
    if auction.status not in OPEN_STATUSES:
        raise AuctionNotEditable(_("This auction has ended."))
    if auction.bid_count or auction.bids.exists():
        raise AuctionNotEditable(
            _("This auction already has a bid, so it can no longer be changed.")
        )


def _terms_of(auction: Auction) -> Terms:
    """The auction's current terms, keeping only those its type uses."""
    used = TYPE_TERMS[auction.type] | COMMON_TERMS
    return Terms(
        type=auction.type,
        starts_at=auction.starts_at,
        duration=auction.ends_at - auction.starts_at if "duration" in used else None,
        **{name: getattr(auction, name) for name in MODEL_TERMS if name in used},
    )


def _terms_apply(auction: Auction, terms: Terms, *, now: datetime) -> None:
    """Write checked terms onto the auction (no save). A term not given takes the
    model's default (or none)."""
    for name in MODEL_TERMS:
        value = getattr(terms, name)
        if value is None:
            value = Auction._meta.get_field(name).get_default()
        setattr(auction, name, value)
    auction.title = terms.title.strip()
    auction.description = (terms.description or "").strip()
    auction.media_links = media_links_unique(terms.media_links or ())
    auction.current_price_stars = terms.starting_price_stars
    if auction.status != Auction.Status.ACTIVE:
        if terms.starts_at is None:
            auction.starts_at = now
            auction.status = Auction.Status.ACTIVE
        else:
            auction.starts_at = terms.starts_at
            auction.status = Auction.Status.SCHEDULED
    if terms.duration is not None:
        auction.ends_at = auction.starts_at + terms.duration
    else:
        # Perpetual: no bid yet, so the inactivity window counts from the start.
        auction.ends_at = auction.starts_at + timedelta(
            minutes=auction.inactivity_minutes
        )


def _pictures_check(
    images: Sequence[Upload] | None, problems: list[Problem], *, required: bool
) -> list[ProcessedImage]:
    if not images:
        if required:
            problems.append(Problem("images", _("Add at least one picture.")))
        return []
    try:
        return images_process(images)
    except ImageRejected as exc:
        problems.append(Problem("images", exc.message, exc.params))
        return []


def _pictures_save(
    pictures: Sequence[ProcessedImage], stored: list[str]
) -> list[AuctionImage]:
    """Write the files (before the transaction: no lock is held while the disk
    works) and return their rows, unsaved and without an auction yet. Names go
    into `stored` so a failure later can delete them."""
    rows = []
    for position, picture in enumerate(pictures):
        row = AuctionImage(
            position=position, width=picture.width, height=picture.height
        )
        # A random name: the uploader's file name may say more than they meant.
        stem = uuid4().hex
        row.image.save(
            f"{stem}.{picture.extension}", ContentFile(picture.content), save=False
        )
        stored.append(row.image.name)
        row.thumbnail.save(
            f"{stem}.{picture.thumbnail_extension}",
            ContentFile(picture.thumbnail),
            save=False,
        )
        stored.append(row.thumbnail.name)
        rows.append(row)
    return rows


def _pictures_attach(auction: Auction, rows: list[AuctionImage]) -> None:
    for row in rows:
        row.auction = auction
    AuctionImage.objects.bulk_create(rows)


def _file_names(image: AuctionImage) -> list[str]:
    return [f.name for f in (image.image, image.thumbnail) if f and f.name]


def _files_delete(names: Sequence[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete a picture file", extra={"name": name})
