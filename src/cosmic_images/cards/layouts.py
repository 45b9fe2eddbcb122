"""Card layouts as data: one per shape (square, story, landscape), in fractions of the card.

A layout says where the artwork goes (over the whole card, or framed over a blurred copy of
itself), where the shading behind text goes, and a box for each element. Boxes are fractions of
the card's width and height, and text sizes fractions of its shorter side, so one layout serves
every size of its shape: the seed's formats and custom sizes alike. The renderer has one code
path for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..zodiac import CardFormat

__all__ = ["FORMAT_LAYOUTS", "LAYOUTS", "Box", "Layout", "TextSlot", "layout_for"]


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in fractions of the card: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        left, top = round(self.x * width), round(self.y * height)
        return left, top, round(self.w * width), round(self.h * height)


@dataclass(frozen=True, slots=True)
class TextSlot:
    """A box for text: sizes in fractions of the card's shorter side, at most ``max_lines``."""

    box: Box
    max_size: float
    min_size: float
    max_lines: int = 1
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    bold: bool = False
    shadow: bool = False  # a dark copy behind the text, for text over bright artwork


@dataclass(frozen=True, slots=True)
class Shade:
    """Darkening behind text: ``box`` goes from clear to ``strength`` (0-1) towards ``to``."""

    box: Box
    strength: float
    to: Literal["top", "bottom", "left", "right", "all"]


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    art: Box  # where the artwork goes when framed (shades then go on the background only)
    cover: bool  # the artwork covers the whole card instead of being framed
    shades: tuple[Shade, ...]
    glyphs: TextSlot
    date: TextSlot
    title: TextSlot
    energy: TextSlot  # ten marks, then the level (8/10) in the last quarter
    share: TextSlot
    watermark: TextSlot


SQUARE = Layout(
    name="square",
    art=Box(0, 0, 1, 1),
    cover=True,
    shades=(
        Shade(Box(0, 0, 1, 0.24), 0.55, "top"),
        Shade(Box(0, 0.48, 1, 0.52), 0.85, "bottom"),
    ),
    glyphs=TextSlot(Box(0.06, 0.05, 0.40, 0.11), 0.10, 0.05, valign="middle", shadow=True),
    date=TextSlot(Box(0.50, 0.065, 0.44, 0.06), 0.034, 0.022, align="right", valign="middle"),
    title=TextSlot(
        Box(0.06, 0.62, 0.88, 0.15),
        0.068,
        0.036,
        max_lines=2,
        valign="bottom",
        bold=True,
        shadow=True,
    ),
    energy=TextSlot(Box(0.06, 0.785, 0.62, 0.045), 0.036, 0.02, valign="middle"),
    share=TextSlot(Box(0.06, 0.845, 0.88, 0.075), 0.034, 0.022, max_lines=2),
    watermark=TextSlot(Box(0.06, 0.935, 0.88, 0.035), 0.024, 0.016, align="right"),
)

STORY = Layout(
    name="story",
    art=Box(28 / 1080, 0.2, 1024 / 1080, 1024 / 1920),  # 1024 x 1024: artwork pasted as it is
    cover=False,
    shades=(Shade(Box(0, 0.72, 1, 0.28), 0.6, "bottom"),),
    glyphs=TextSlot(
        Box(0.10, 0.05, 0.80, 0.085), 0.12, 0.06, align="center", valign="middle", shadow=True
    ),
    date=TextSlot(Box(0.10, 0.145, 0.80, 0.03), 0.040, 0.026, align="center", valign="middle"),
    title=TextSlot(
        Box(0.06, 0.745, 0.88, 0.095),
        0.075,
        0.040,
        max_lines=2,
        align="center",
        bold=True,
        shadow=True,
    ),
    energy=TextSlot(Box(0.15, 0.845, 0.70, 0.028), 0.04, 0.02, valign="middle"),
    share=TextSlot(Box(0.08, 0.882, 0.84, 0.06), 0.040, 0.026, max_lines=2, align="center"),
    watermark=TextSlot(Box(0.08, 0.955, 0.84, 0.022), 0.028, 0.018, align="center"),
)

LANDSCAPE = Layout(
    name="landscape",
    art=Box(0.035, 0.07, 0.46, 0.86),
    cover=False,
    shades=(),
    glyphs=TextSlot(Box(0.54, 0.07, 0.42, 0.17), 0.15, 0.07, valign="middle", shadow=True),
    date=TextSlot(Box(0.54, 0.27, 0.42, 0.06), 0.045, 0.03, valign="middle"),
    title=TextSlot(Box(0.54, 0.35, 0.42, 0.24), 0.085, 0.045, max_lines=2, bold=True, shadow=True),
    energy=TextSlot(Box(0.54, 0.615, 0.42, 0.06), 0.045, 0.025, valign="middle"),
    share=TextSlot(Box(0.54, 0.70, 0.42, 0.15), 0.045, 0.03, max_lines=2),
    watermark=TextSlot(Box(0.54, 0.885, 0.42, 0.05), 0.034, 0.024),
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (SQUARE, STORY, LANDSCAPE)}
FORMAT_LAYOUTS: dict[CardFormat, Layout] = {
    CardFormat.INSTAGRAM_SQUARE: SQUARE,
    CardFormat.INSTAGRAM_STORY: STORY,
    CardFormat.TWITTER: LANDSCAPE,
    CardFormat.FACEBOOK: LANDSCAPE,
}


def layout_for(width: int, height: int) -> Layout:
    """The layout of a size's shape: tall (story), wide (landscape) or nearly square."""
    ratio = height / width
    if ratio >= 1.4:
        return STORY
    if ratio <= 0.75:
        return LANDSCAPE
    return SQUARE
