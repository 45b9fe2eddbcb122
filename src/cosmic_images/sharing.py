"""Share cards of stored images: who may have one, what it says, and rendering it once.

A card is rendered from the image's stored bytes and what its row records (the signs, the
date, the energy level), stored in the blob store under a key that names the image, the size,
the encoding and a digest of everything else that shapes it (the card data, the brand, the
fonts, the renderer's version), and served from there the next time. Every card handed out is
one download event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from .cards import RENDERER_VERSION, CardData, CardStyle, check_encoding, parse_size
from .cards import render as card_render
from .cards.render import ENCODINGS
from .errors import BackendUnavailable, InvalidRequest, NotFound
from .images import Images
from .policy import Policy, require_feature
from .schemas import User
from .storage import BlobStore, ImageRecord
from .storage.events import EventStore
from .zodiac import CardFormat, Category, MoonPhase, Sign, sign_info

__all__ = ["SHARE_TEXTS", "ShareCards", "card_data", "card_key", "fill", "format_label"]

# The seed's share texts, by category. ``{phase}`` and ``{phaseSymbol}`` become the ritual's
# moon phase ("Full moon", U+1F315 by default), so a crescent's card does not say full moon.
SHARE_TEXTS: Mapping[str, str] = {
    Category.DAILY_ENERGY: "My cosmic energy today! \u2728 #CosmicCoach",
    Category.AVATAR: "My personalized zodiac avatar \U0001f31f #Astrology",
    Category.COMPATIBILITY: "Our cosmic compatibility! \U0001f4ab #Relationship",
    Category.MOON_RITUAL: "{phase} ritual guide {phaseSymbol} #Manifestation",
    Category.GROUP: "Our cosmic circle! \U0001f4ab #CosmicCoach",
}
DEFAULT_SHARE_TEXT = "My cosmic artwork \u2728 #CosmicCoach"


def fill(template: str, phase: MoonPhase = MoonPhase.FULL_MOON) -> str:
    """``template`` with ``{phase}`` and ``{phaseSymbol}`` replaced; everything else, other
    braces included, stays exactly as written (no format mini-language)."""
    return template.replace("{phaseSymbol}", phase.symbol).replace(
        "{phase}", phase.label.capitalize()
    )


def _sign(value: object) -> Sign | None:
    try:
        return Sign(str(value).lower())
    except ValueError:
        return None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def card_data(record: ImageRecord, share_text: str, zone: ZoneInfo) -> CardData:
    """What the card of ``record`` says, from what its row recorded about the request."""
    identity: Mapping[str, Any] = record.metadata.get("identity") or {}
    made = record.created_at.astimezone(zone).date()

    def name(sign: Sign) -> str:
        return sign_info(sign).name

    def glyph(sign: Sign) -> str:
        return sign_info(sign).glyph

    if record.category == Category.DAILY_ENERGY and (sign := _sign(identity.get("sign"))):
        level = identity.get("energyLevel")
        level = level if isinstance(level, int) and not isinstance(level, bool) else None
        return CardData(
            category=record.category,
            title=f"{name(sign)} Daily Energy",
            glyphs=(glyph(sign),),
            date=_date(identity.get("date")) or made,
            energy_level=level,
            share_text=fill(share_text),
        )
    if record.category == Category.AVATAR and (sun := _sign(identity.get("sunSign"))):
        signs = [sun, _sign(identity.get("moonSign")), _sign(identity.get("risingSign"))]
        roles = ("Sun", "Moon", "Rising")
        title = " \u00b7 ".join(f"{name(s)} {r}" for s, r in zip(signs, roles, strict=True) if s)
        return CardData(
            category=record.category,
            title=title,
            glyphs=tuple(dict.fromkeys(glyph(s) for s in signs if s)),
            date=made,
            share_text=fill(share_text),
        )
    if record.category == Category.COMPATIBILITY and (
        (one := _sign(identity.get("user1"))) and (two := _sign(identity.get("user2")))
    ):
        score = identity.get("compatibilityScore")
        title = f"{name(one)} & {name(two)}"
        if isinstance(score, int):
            title += f" \u00b7 {score}% Compatible"
        return CardData(
            category=record.category,
            title=title,
            glyphs=(glyph(one), glyph(two)),
            date=made,
            share_text=fill(share_text),
        )
    if record.category == Category.GROUP and isinstance(identity.get("signs"), list):
        group = [s for s in (_sign(v) for v in identity["signs"]) if s]
        score = identity.get("score")
        title = ", ".join(name(s) for s in group)
        if isinstance(score, int) and not isinstance(score, bool):
            title += f" \u00b7 {score}% Group Harmony"
        return CardData(
            category=record.category,
            title=title,
            glyphs=tuple(glyph(s) for s in group),
            date=made,
            share_text=fill(share_text),
        )
    if record.category == Category.MOON_RITUAL and str(identity.get("phase")) in set(MoonPhase):
        phase = MoonPhase(identity["phase"])
        return CardData(
            category=record.category,
            title=f"{phase.label} Ritual",
            glyphs=(phase.symbol,),
            date=_date(identity.get("date")) or made,
            share_text=fill(share_text, phase),
        )
    # A host's own category, or a row without the fields above: its description.
    return CardData(
        category=record.category, title=record.description, date=made, share_text=fill(share_text)
    )


def format_label(size: tuple[int, int]) -> str:
    """The format's name for the seed's sizes, else ``WIDTHxHEIGHT`` (download events)."""
    named = next((f for f in CardFormat if f.size == size), None)
    return named.value if named is not None else f"{size[0]}x{size[1]}"


def card_key(image_id: str, size: tuple[int, int], encoding: str, digest: str) -> str:
    """Where a card is stored: under its image (so cleanup finds it), by size and content."""
    suffix = "jpg" if encoding == "jpeg" else encoding
    return f"cards/{image_id}/{size[0]}x{size[1]}-{digest}.{suffix}"


class ShareCards:
    """Cards for the people who may read an image and whose tier allows cards."""

    def __init__(
        self,
        *,
        images: Images,
        policy: Policy,
        events: EventStore,
        blobs: BlobStore,
        style: CardStyle,
        timezone: ZoneInfo,
        clock: Callable[[], dt.datetime],
        share_texts: Mapping[str, str] | None = None,
        png_encoder: str = "pillow",
    ) -> None:
        self.images = images
        self.policy = policy
        self.events = events
        self.blobs = blobs
        self.style = style
        self.timezone = timezone
        self._clock = clock
        self.share_texts = {**SHARE_TEXTS, **(share_texts or {})}
        self.png_encoder = png_encoder
        # Threads asking for the same card wait for one render and read what it stored
        # (processes may each render once; the result is the same bytes under the same key).
        self._locks = tuple(threading.Lock() for _ in range(64))

    def share_text(self, category: object, phase: object = MoonPhase.FULL_MOON) -> str:
        """The text to post with a card of ``category`` (moon rituals: of ``phase``)."""
        if not isinstance(category, str):
            raise InvalidRequest("category: must be a string", field="category")
        if not isinstance(phase, str) or phase not in set(MoonPhase):  # hosts pass query strings
            raise InvalidRequest("phase: must be a moon phase", field="phase")
        return fill(self.template(category), MoonPhase(phase))

    def template(self, category: str) -> str:
        return self.share_texts.get(category, DEFAULT_SHARE_TEXT)

    def allow(self, user: User) -> None:
        """NotEntitled unless the user's tier may have cards (admins always may)."""
        if not user.is_admin:
            require_feature(self.policy, user.tier, "cards", "download share cards")

    def card(
        self, user: User, image_id: str, card_format: object, encoding: object = "png"
    ) -> bytes:
        """The card's bytes: from the blob store if rendered before, else rendered and stored;
        one download event either way."""
        size = parse_size(card_format)
        chosen = check_encoding(encoding)
        self.allow(user)
        record = self.images.get(user, image_id)
        data = card_data(record, self.template(record.category), self.timezone)
        key = card_key(record.id, size, chosen, self._digest(data))
        with self._locks[hash(key) % len(self._locks)]:  # one render per card in this process
            try:
                encoded = self.blobs.get(key)
            except NotFound:
                encoded = self._render(record, data, size, chosen)
                self.blobs.put(key, encoded, ENCODINGS[chosen][1])
        self.events.add_download(record.id, user.id, format_label(size), now=self._clock())
        return encoded

    def _render(
        self, record: ImageRecord, data: CardData, size: tuple[int, int], encoding: str
    ) -> bytes:
        art = self.blobs.get(record.blob_key)
        try:
            return card_render.render_card(
                art,
                data,
                size,
                style=self.style,
                encoding=encoding,
                png_encoder=self.png_encoder,
            )
        except InvalidRequest as exc:  # the stored bytes, not the request, are at fault
            raise BackendUnavailable(
                f"image {record.id}: its stored bytes cannot be read as an image",
                backend="blob store",
                transient=False,
            ) from exc

    def _digest(self, data: CardData) -> str:
        text = repr((RENDERER_VERSION, self.style.digest, self.png_encoder, data))
        return hashlib.sha256(text.encode()).hexdigest()[:16]
