"""Share cards: the artwork with its glyphs, title, date, energy and the brand, sized for each
platform (``render.py``), laid out by data (``layouts.py``), with text that fits its box
(``text.py``) in fonts that never draw a missing-glyph box (``typeface.py``).
"""

from __future__ import annotations

from .layouts import FORMAT_LAYOUTS, LAYOUTS, Box, Layout, Shade, TextSlot, layout_for
from .render import (
    ENCODINGS,
    RENDERER_VERSION,
    CardData,
    CardStyle,
    Composed,
    check_encoding,
    check_png_encoder,
    compose,
    encode,
    parse_size,
    render_card,
)
from .typeface import Face, FontSet, bundled_fonts, clean_text

__all__ = [
    "ENCODINGS",
    "FORMAT_LAYOUTS",
    "LAYOUTS",
    "RENDERER_VERSION",
    "Box",
    "CardData",
    "CardStyle",
    "Composed",
    "Face",
    "FontSet",
    "Layout",
    "Shade",
    "TextSlot",
    "bundled_fonts",
    "check_encoding",
    "check_png_encoder",
    "clean_text",
    "compose",
    "encode",
    "layout_for",
    "parse_size",
    "render_card",
]
