"""The card renderer: an image's bytes and its card data in, an encoded card out. Pure: no
storage, no settings, no clock.

The work is sized for speed: the blurred background is made at a quarter of the card's size
and scaled up (a full-size blur costs more than the rest of the card), shading is one masked
fill per box, and PNG is written at zlib level 1 with the RLE strategy, the fastest and
smallest lossless setting measured for these cards (``bench/bench_cards.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

from .. import _defaults as defaults
from ..errors import ConfigurationError, InvalidRequest
from ..zodiac import CardFormat
from .layouts import FORMAT_LAYOUTS, Layout, Shade, TextSlot, layout_for
from .text import Placed, draw_fitted, fit_text
from .typeface import FontSet, bundled_fonts

__all__ = [
    "ENCODINGS",
    "MAX_SIDE",
    "MIN_SIDE",
    "RENDERER_VERSION",
    "CardData",
    "CardStyle",
    "Composed",
    "Encoding",
    "check_encoding",
    "check_png_encoder",
    "compose",
    "encode",
    "parse_size",
    "render_card",
]

logger = logging.getLogger(__name__)

# Bump when the same inputs would give a different picture: stored cards are keyed by it.
RENDERER_VERSION = 1
MIN_SIDE, MAX_SIDE = 200, 4096
MAX_ASPECT = 4.0
ENERGY_MARKS = 10

Encoding = Literal["png", "jpeg", "webp"]
ENCODINGS: dict[str, tuple[str, str]] = {
    "png": ("PNG", "image/png"),
    "jpeg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
}
RGB = tuple[int, int, int]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _hex(value: object) -> RGB:
    match = re.fullmatch(r"#?([0-9a-fA-F]{6})", value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidRequest(f"colour: {value!r} is not #RRGGBB", field="colour")
    number = int(match.group(1), 16)
    return (number >> 16) & 255, (number >> 8) & 255, number & 255


@dataclass(frozen=True, slots=True)
class CardData:
    """What a card says: the category, the glyphs (zodiac signs or a moon phase), the date,
    an energy level out of 10 (daily energy), a title and the share text. Checked when made:
    a wrong type is InvalidRequest naming the field."""

    category: str
    title: str
    glyphs: tuple[str, ...] = ()
    date: dt.date | None = None
    energy_level: int | None = None
    share_text: str = ""

    def __post_init__(self) -> None:
        for name in ("category", "title", "share_text"):
            if not isinstance(getattr(self, name), str):
                raise InvalidRequest(f"{name}: must be a string", field=name)
        glyphs: object = self.glyphs
        if not isinstance(glyphs, tuple) or not all(isinstance(g, str) for g in glyphs):
            raise InvalidRequest("glyphs: must be a tuple of strings", field="glyphs")
        day: object = self.date
        if day is not None and not isinstance(day, dt.date):
            raise InvalidRequest("date: must be a date", field="date")
        level: object = self.energy_level
        if level is not None and (
            not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 10
        ):
            raise InvalidRequest("energyLevel: must be a whole number 0-10", field="energyLevel")


@dataclass(frozen=True)
class CardStyle:
    """The brand: watermark text, accent and ink colours (``#RRGGBB``), and a host's own
    TrueType font (``font_file``, drawn before the bundled DejaVu Sans subset)."""

    brand_text: str = defaults.BRAND_TEXT
    accent: str = defaults.BRAND_ACCENT
    ink: str = defaults.BRAND_INK
    font_file: Path | None = None

    def __post_init__(self) -> None:
        _hex(self.accent)
        _hex(self.ink)

    @functools.cached_property
    def fonts(self) -> tuple[FontSet, FontSet]:
        """(regular, bold), loaded on first use."""
        return bundled_fonts(self.font_file)

    @property
    def regular(self) -> FontSet:
        return self.fonts[0]

    @property
    def bold(self) -> FontSet:
        return self.fonts[1]

    @functools.cached_property
    def digest(self) -> str:
        """Changes whenever the style would change a card (for stored cards' keys)."""
        parts = [self.brand_text, self.accent, self.ink, self.regular.digest, self.bold.digest]
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:12]


def parse_size(value: object) -> tuple[int, int]:
    """A card format's name (``instagram_story``), ``WIDTHxHEIGHT`` or a (width, height) pair,
    as pixels; else InvalidRequest naming ``format``."""
    if isinstance(value, str):
        name = value.strip().lower()
        if name in CardFormat.__members__.values():
            return CardFormat(name).size
        match = re.fullmatch(r"([0-9]{1,5}) *[x\u00d7] *([0-9]{1,5})", name)
        if match is None:
            known = ", ".join(f.value for f in CardFormat)
            raise InvalidRequest(
                f"format: {value[:60]!r} is not a card format ({known}) or WIDTHxHEIGHT",
                field="format",
            )
        value = (int(match.group(1)), int(match.group(2)))
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidRequest("format: must be a card format name or WIDTHxHEIGHT", field="format")
    width, height = value
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidRequest(
            f"format: each side must be {MIN_SIDE} to {MAX_SIDE} pixels", field="format"
        )
    if max(width / height, height / width) > MAX_ASPECT:
        raise InvalidRequest(
            f"format: at most {MAX_ASPECT:g} times as wide as tall or as tall as wide",
            field="format",
        )
    return width, height


def _layout(size: tuple[int, int]) -> Layout:
    for card_format, layout in FORMAT_LAYOUTS.items():
        if card_format.size == size:
            return layout
    return layout_for(*size)


def _decode(data: object) -> Image.Image:
    """The artwork as 8-bit RGB, upright (EXIF orientation applied), 16-bit and float images
    scaled down rather than clipped to white."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidRequest("image: must be the image's encoded bytes", field="image")
    try:
        with Image.open(BytesIO(bytes(data))) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened) if opened.getexif() else opened
            if image.mode in ("I", "F") or image.mode.startswith("I;16"):
                image = _eight_bit(image)
            return image if image.mode == "RGB" else image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidRequest(f"image: not an image Pillow can read ({exc})", field="image") from exc


def _eight_bit(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float greyscale image as 8-bit, by its own range."""
    wide = image.convert("F")
    extrema: Any = wide.getextrema()  # (min, max) for a one-band image
    low, high = float(extrema[0]), float(extrema[1])
    scale = 255.0 / (high - low) if high > low else 0.0
    return wide.point(lambda v: (v - low) * scale).convert("L")


def _cover(image: Image.Image, size: tuple[int, int], *, rough: bool = False) -> Image.Image:
    """``image`` scaled to fill ``size``, its centre cropped to the same shape (only cropped
    when it is already the size). ``rough``: halve first by pixel averaging, for what gets
    blurred anyway."""
    width, height = size
    scale = max(width / image.width, height / image.height)
    crop_w, crop_h = width / scale, height / scale
    left, top = (image.width - crop_w) / 2, (image.height - crop_h) / 2
    if scale == 1:
        return image.crop((round(left), round(top), round(left) + width, round(top) + height))
    return image.resize(
        size,
        Image.Resampling.BICUBIC,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=1.0 if rough else 2.0,
    )


def _backdrop(
    art: Image.Image, size: tuple[int, int], layout: Layout
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The card's background for a framed layout: the artwork blurred, darkened and shaded at
    an eighth of the size, scaled up around the frame (which covers the rest); and the frame's
    box in pixels."""
    width, height = size
    small = (max(1, width // 8), max(1, height // 8))
    blurred = _cover(art, small, rough=True).filter(
        ImageFilter.GaussianBlur(max(1, min(small) // 24))
    )
    back = blurred.point(lambda v: v * 45 // 100)
    for shade in layout.shades:
        _shade(back, shade)
    hole = layout.art.pixels(width, height)
    card = Image.new("RGB", size, None)  # not filled: the bands and the frame cover it all
    left, top, w, h = hole
    # Four bands around the frame: above, below, left of and right of it. Each is scaled
    # smoothly to half size, then doubled by repeating pixels: on a blurred background the
    # 2 x 2 blocks cannot be seen, and it halves the cost of the largest step.
    half = (width / 2 / small[0], height / 2 / small[1])
    for x0, y0, x1, y1 in (
        (0, 0, width, top),
        (0, top + h, width, height),
        (0, top, left, top + h),
        (left + w, top, width, top + h),
    ):
        hw, hh = (x1 - x0 + 1) // 2, (y1 - y0 + 1) // 2
        if hw <= 0 or hh <= 0:
            continue
        source = (  # in the small image's pixels, inside it (the half pixel too many)
            x0 / 2 / half[0],
            y0 / 2 / half[1],
            min(small[0], (x0 / 2 + hw) / half[0]),
            min(small[1], (y0 / 2 + hh) / half[1]),
        )
        band = back.resize((hw, hh), Image.Resampling.BILINEAR, box=source)
        band = band.resize((hw * 2, hh * 2), Image.Resampling.NEAREST)
        card.paste(band, (x0, y0))  # a pixel too many at most: clipped, or under the frame
    return card, hole


@functools.lru_cache(maxsize=64)
def _ramp(size: tuple[int, int], strength: float, to: str) -> Image.Image:
    """An L mask rising from 0 to ``strength`` towards the ``to`` edge (``all``: flat)."""
    top = round(255 * strength)
    if to == "all":
        return Image.new("L", size, top)
    gradient = Image.linear_gradient("L").point(lambda v: v * top // 255)  # 0 at the top
    if to == "top":
        gradient = gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    elif to == "left":
        gradient = gradient.transpose(Image.Transpose.ROTATE_270)
    elif to == "right":
        gradient = gradient.transpose(Image.Transpose.ROTATE_90)
    return gradient.resize(size, Image.Resampling.BILINEAR)


def _shade(card: Image.Image, shade: Shade) -> None:
    left, top, width, height = shade.box.pixels(*card.size)
    if width and height:
        mask = _ramp((width, height), shade.strength, shade.to)
        card.paste((0, 0, 0), (left, top, left + width, top + height), mask)


def _frame(
    card: Image.Image, art: Image.Image, hole: tuple[int, int, int, int], accent: RGB
) -> None:
    """The artwork in its box, with a hard shadow and an edge in the accent colour."""
    left, top, width, height = hole
    draw = ImageDraw.Draw(card)
    drop = max(3, min(width, height) // 100)
    draw.rectangle(
        (left + drop, top + drop, left + width + drop - 1, top + height + drop - 1), fill=(0, 0, 0)
    )
    card.paste(_cover(art, (width, height)), (left, top))
    edge = max(2, min(card.size) // 360)
    draw.rectangle(
        (left - edge, top - edge, left + width + edge - 1, top + height + edge - 1),
        outline=accent,
        width=edge,
    )


@dataclass(frozen=True, slots=True)
class Composed:
    """A rendered card before encoding, with where each line of text went (for checks)."""

    image: Image.Image
    layout: Layout
    text: dict[str, list[Placed]]
    boxes: dict[str, tuple[int, int, int, int]]


def _date_text(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def compose(
    image: bytes | bytearray | memoryview | Image.Image,
    data: CardData,
    size: tuple[int, int] | str | CardFormat = CardFormat.INSTAGRAM_SQUARE,
    style: CardStyle | None = None,
) -> Composed:
    """Draw the card for ``data`` over the artwork at ``size`` (a format or custom size)."""
    style = style or CardStyle()
    size = parse_size(size)
    art = image.convert("RGB") if isinstance(image, Image.Image) else _decode(image)
    layout = _layout(size)
    accent, ink = _hex(style.accent), _hex(style.ink)
    shadow: RGB = (0, 0, 0)
    if layout.cover:
        card = _cover(art, size)
        for shade in layout.shades:
            _shade(card, shade)
    else:
        card, hole = _backdrop(art, size, layout)
        _frame(card, art, hole, accent)
    draw = ImageDraw.Draw(card)
    short = min(size)
    placed: dict[str, list[Placed]] = {}
    boxes: dict[str, tuple[int, int, int, int]] = {}

    def text(
        name: str,
        slot: TextSlot,
        value: str,
        fill: RGB,
        box: tuple[int, int, int, int] | None = None,
    ) -> None:
        if not value:
            return
        fonts = style.bold if slot.bold else style.regular
        box = box or slot.box.pixels(*size)
        pad = max(2, round(slot.max_size * short) // 12)  # room for the shadow and overhangs
        fitted = fit_text(
            fonts,
            value,
            box[2] - 2 * pad,
            box[3],
            max_size=max(1, round(slot.max_size * short)),
            min_size=max(1, round(slot.min_size * short)),
            max_lines=slot.max_lines,
        )
        inner = (box[0] + pad, box[1], box[2] - 2 * pad, box[3])
        placed[name] = draw_fitted(
            draw,
            fonts,
            fitted,
            inner,
            fill=fill,
            align=slot.align,
            valign=slot.valign,
            shadow=shadow if slot.shadow else None,
        )
        boxes[name] = box

    text("glyphs", layout.glyphs, "  ".join(data.glyphs), accent)
    text("date", layout.date, _date_text(data.date) if data.date else "", ink)
    text("title", layout.title, data.title, ink)
    if data.energy_level is not None:
        left, top, width, height = layout.energy.box.pixels(*size)
        marks = round(width * 0.75)
        level = max(0, min(ENERGY_MARKS, data.energy_level))
        boxes["energy"] = _energy(draw, (left, top, marks, height), level, accent, ink)
        label = (left + marks, top, width - marks, height)
        text("energyLabel", layout.energy, f"{level}/{ENERGY_MARKS}", ink, label)
    text("share", layout.share, data.share_text, ink)
    text("watermark", layout.watermark, style.brand_text, accent)
    return Composed(card, layout, placed, boxes)


def _energy(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], level: int, accent: RGB, ink: RGB
) -> tuple[int, int, int, int]:
    """``level`` of ten marks filled, as round dots across the box."""
    left, top, width, height = box
    step = width / ENERGY_MARKS
    radius = max(2.0, min(height, step) * 0.42)
    outline = max(1, round(radius / 5))
    cy = top + height / 2
    for i in range(ENERGY_MARKS):
        cx = left + step * (i + 0.5)
        shape = (cx - radius, cy - radius, cx + radius, cy + radius)
        if i < level:
            draw.ellipse(shape, fill=accent, outline=(0, 0, 0), width=outline)
        else:
            draw.ellipse(shape, fill=(0, 0, 0), outline=ink, width=outline)
    return box


def check_encoding(encoding: object) -> str:
    """``encoding`` if it is one of :data:`ENCODINGS`, else InvalidRequest naming it."""
    if not isinstance(encoding, str) or encoding not in ENCODINGS:
        known = ", ".join(ENCODINGS)
        raise InvalidRequest(
            f"encoding: {str(encoding)[:20]!r} is not one of {known}", field="encoding"
        )
    return encoding


def check_png_encoder(name: object) -> str:
    """``pillow``, or ``fpng`` when its extra is installed; else ConfigurationError."""
    if name == "pillow":
        return name
    if name != "fpng":
        raise ConfigurationError(f"card PNG encoder {name!r}: use pillow or fpng")
    try:
        import fpng  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            "the fpng PNG encoder is not installed: pip install 'cosmic-images[fpng]'"
        ) from exc
    return name


def _fpng(image: Image.Image) -> bytes | None:
    """fpng's PNG of ``image`` (4-9 times faster than Pillow here, files about 30% larger),
    or None if it fails, and Pillow writes it instead."""
    import fpng

    try:
        data = fpng.from_pil(image)
    except Exception:  # a young extension module: never let it fail a card
        logger.warning("fpng could not encode a %sx%s card; Pillow will", *image.size)
        return None
    return data if isinstance(data, bytes) else None


def encode(image: Image.Image, encoding: str = "png", *, png_encoder: str = "pillow") -> bytes:
    """``image`` as PNG (zlib level 1, RLE: fast and small; or fpng), JPEG or WebP (quality
    90)."""
    encoding = check_encoding(encoding)
    out = BytesIO()
    if encoding == "png" and check_png_encoder(png_encoder) == "fpng":
        fast = _fpng(image)
        if fast is not None:
            return fast
    if encoding == "png":
        image.save(out, "PNG", compress_level=1, compress_type=3)
    elif encoding == "jpeg":
        image.save(out, "JPEG", quality=90, optimize=False, progressive=False)
    else:
        image.save(out, "WEBP", quality=90, method=2)
    return out.getvalue()


def render_card(
    image: bytes | bytearray | memoryview,
    data: CardData,
    size: tuple[int, int] | str | CardFormat = CardFormat.INSTAGRAM_SQUARE,
    *,
    style: CardStyle | None = None,
    encoding: str = "png",
    png_encoder: str = "pillow",
) -> bytes:
    """The card for ``data`` over ``image`` (encoded bytes) at ``size``, encoded."""
    check_encoding(encoding)  # before the work
    check_png_encoder(png_encoder)
    return encode(compose(image, data, size, style).image, encoding, png_encoder=png_encoder)
