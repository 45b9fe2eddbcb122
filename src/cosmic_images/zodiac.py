"""The fixed vocabulary of the domain: signs, elements, categories, moon phases, formats.

Palettes are three hex colours per sign, chosen from each sign's traditional colours (its
element and ruling planet); aries is the seed's ``#FF6B6B, #FFA07A, #FF4500``. The reasoning
for each is in ``docs/zodiac.md``. Date ranges are the conventional tropical ones and are only a
fallback label: :mod:`cosmic_images.astro` computes the real sign from the Sun's position.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "SIGNS",
    "CardFormat",
    "Category",
    "Element",
    "Modality",
    "MoonPhase",
    "Quality",
    "Sign",
    "SignInfo",
    "sign_info",
]


class Element(StrEnum):
    FIRE = "fire"
    EARTH = "earth"
    AIR = "air"
    WATER = "water"


class Modality(StrEnum):
    CARDINAL = "cardinal"
    FIXED = "fixed"
    MUTABLE = "mutable"


class Sign(StrEnum):
    ARIES = "aries"
    TAURUS = "taurus"
    GEMINI = "gemini"
    CANCER = "cancer"
    LEO = "leo"
    VIRGO = "virgo"
    LIBRA = "libra"
    SCORPIO = "scorpio"
    SAGITTARIUS = "sagittarius"
    CAPRICORN = "capricorn"
    AQUARIUS = "aquarius"
    PISCES = "pisces"

    @property
    def info(self) -> SignInfo:
        return SIGNS[self]


@dataclass(frozen=True, slots=True)
class SignInfo:
    """Everything the library knows about one sign."""

    sign: Sign
    glyph: str
    element: Element
    modality: Modality
    start: tuple[int, int]  # (month, day) conventional first day
    end: tuple[int, int]  # (month, day) conventional last day
    palette: tuple[str, str, str]
    ruler: str
    keywords: tuple[str, str, str]

    @property
    def name(self) -> str:
        return self.sign.value.capitalize()


def _info(
    sign: Sign,
    glyph: str,
    element: Element,
    modality: Modality,
    start: tuple[int, int],
    end: tuple[int, int],
    palette: tuple[str, str, str],
    ruler: str,
    keywords: tuple[str, str, str],
) -> SignInfo:
    return SignInfo(sign, glyph, element, modality, start, end, palette, ruler, keywords)


_F, _E, _A, _W = Element.FIRE, Element.EARTH, Element.AIR, Element.WATER
_C, _X, _M = Modality.CARDINAL, Modality.FIXED, Modality.MUTABLE

SIGNS: dict[Sign, SignInfo] = {
    s.sign: s
    for s in (
        _info(
            Sign.ARIES,
            "\u2648",
            _F,
            _C,
            (3, 21),
            (4, 19),
            ("#FF6B6B", "#FFA07A", "#FF4500"),
            "Mars",
            ("bold", "pioneering", "fiery"),
        ),
        _info(
            Sign.TAURUS,
            "\u2649",
            _E,
            _X,
            (4, 20),
            (5, 20),
            ("#7BA05B", "#C5E1A5", "#E6B8A2"),
            "Venus",
            ("grounded", "sensual", "steady"),
        ),
        _info(
            Sign.GEMINI,
            "\u264a",
            _A,
            _M,
            (5, 21),
            (6, 20),
            ("#FFD93D", "#FFF3B0", "#87CEEB"),
            "Mercury",
            ("curious", "witty", "airy"),
        ),
        _info(
            Sign.CANCER,
            "\u264b",
            _W,
            _C,
            (6, 21),
            (7, 22),
            ("#A7C7E7", "#E8F1F8", "#5B8DB8"),
            "the Moon",
            ("nurturing", "lunar", "tender"),
        ),
        _info(
            Sign.LEO,
            "\u264c",
            _F,
            _X,
            (7, 23),
            (8, 22),
            ("#FFB300", "#FFD54F", "#FF8F00"),
            "the Sun",
            ("radiant", "regal", "warm"),
        ),
        _info(
            Sign.VIRGO,
            "\u264d",
            _E,
            _M,
            (8, 23),
            (9, 22),
            ("#8FBC8F", "#D8CAB8", "#556B2F"),
            "Mercury",
            ("precise", "pure", "healing"),
        ),
        _info(
            Sign.LIBRA,
            "\u264e",
            _A,
            _C,
            (9, 23),
            (10, 22),
            ("#F8BBD0", "#B3E5FC", "#CE93D8"),
            "Venus",
            ("harmonious", "graceful", "balanced"),
        ),
        _info(
            Sign.SCORPIO,
            "\u264f",
            _W,
            _X,
            (10, 23),
            (11, 21),
            ("#8B0000", "#4A0E4E", "#C2185B"),
            "Pluto and Mars",
            ("intense", "magnetic", "deep"),
        ),
        _info(
            Sign.SAGITTARIUS,
            "\u2650",
            _F,
            _M,
            (11, 22),
            (12, 21),
            ("#7B1FA2", "#9575CD", "#FF7043"),
            "Jupiter",
            ("adventurous", "expansive", "free"),
        ),
        _info(
            Sign.CAPRICORN,
            "\u2651",
            _E,
            _C,
            (12, 22),
            (1, 19),
            ("#5D4037", "#8D6E63", "#90A4AE"),
            "Saturn",
            ("ambitious", "enduring", "wise"),
        ),
        _info(
            Sign.AQUARIUS,
            "\u2652",
            _A,
            _X,
            (1, 20),
            (2, 18),
            ("#00B8D4", "#40C4FF", "#7C4DFF"),
            "Uranus and Saturn",
            ("visionary", "electric", "original"),
        ),
        _info(
            Sign.PISCES,
            "\u2653",
            _W,
            _M,
            (2, 19),
            (3, 20),
            ("#80CBC4", "#B39DDB", "#4DB6AC"),
            "Neptune and Jupiter",
            ("dreamy", "intuitive", "oceanic"),
        ),
    )
}


def sign_info(sign: Sign | str) -> SignInfo:
    """The :class:`SignInfo` for a sign given as enum or (case-insensitive) name."""
    return SIGNS[Sign(str(sign).strip().lower())]


class Category(StrEnum):
    """The built-in image categories. Hosts may register more (see ``prompts.registry``)."""

    DAILY_ENERGY = "daily_energy"
    AVATAR = "avatar"
    COMPATIBILITY = "compatibility"
    MOON_RITUAL = "moon_ritual"
    GROUP = "group"  # group compatibility: 3 to 6 signs


class MoonPhase(StrEnum):
    NEW_MOON = "new_moon"
    WAXING_CRESCENT = "waxing_crescent"
    FIRST_QUARTER = "first_quarter"
    WAXING_GIBBOUS = "waxing_gibbous"
    FULL_MOON = "full_moon"
    WANING_GIBBOUS = "waning_gibbous"
    LAST_QUARTER = "last_quarter"
    WANING_CRESCENT = "waning_crescent"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()

    @property
    def symbol(self) -> str:
        """The phase's Unicode symbol, U+1F311 (new) to U+1F318 (waning crescent)."""
        return chr(0x1F311 + list(MoonPhase).index(self))

    @property
    def elongation(self) -> float:
        """A representative Sun-Moon elongation in degrees (0 new, 180 full), for drawing."""
        return float(list(MoonPhase).index(self) * 45)


class Quality(StrEnum):
    """The product's two qualities; providers map them to their own (hd -> high, ...)."""

    STANDARD = "standard"
    HD = "hd"


class CardFormat(StrEnum):
    INSTAGRAM_SQUARE = "instagram_square"
    INSTAGRAM_STORY = "instagram_story"
    TWITTER = "twitter"
    FACEBOOK = "facebook"

    @property
    def size(self) -> tuple[int, int]:
        return _CARD_SIZES[self]


_CARD_SIZES: dict[CardFormat, tuple[int, int]] = {
    CardFormat.INSTAGRAM_SQUARE: (1080, 1080),
    CardFormat.INSTAGRAM_STORY: (1080, 1920),
    CardFormat.TWITTER: (1200, 675),
    CardFormat.FACEBOOK: (1200, 630),
}
