"""Image edits the product supports ("make it more purple"): a small vocabulary, never free
prompt text.

An instruction goes through the same free-text rules as mood and focus (letters, at most four
words and 40 characters: no steering, no markup), then must name one edit of the vocabulary:
a colour shift (``more purple``, ``more gold``, ...), ``more stars`` or ``fewer stars``,
``brighter`` or ``softer``, ``warmer`` or ``cooler``. Fillers (``make it``, ``add``,
``please``) are dropped. Each edit has a stable key (the cache key uses it, so "Make it more
purple" and "more purple" are one picture) and the prompt text a model is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidRequest
from .schemas import clean_phrase

__all__ = ["COLOURS", "Edit", "parse_edit", "supported_edits"]

# Colour shifts: the hue they pull towards (degrees) and the words a model is given.
COLOURS: dict[str, tuple[float, str]] = {
    "purple": (280.0, "shift the palette towards deep violet and purple"),
    "blue": (220.0, "shift the palette towards cobalt and sapphire blue"),
    "teal": (180.0, "shift the palette towards teal and turquoise"),
    "green": (130.0, "shift the palette towards emerald green"),
    "gold": (45.0, "shift the palette towards warm gold and amber"),
    "red": (0.0, "shift the palette towards crimson and ruby red"),
    "pink": (330.0, "shift the palette towards rose and magenta pink"),
}
_FILLERS = ("please ", "make it ", "make the image ", "make ", "add ", "give it ")
_STARS_UP = ("stars", 1, "more stars", "add more stars to the sky, in the same style")
_STARS_DOWN = ("stars", -1, "fewer stars", "remove some of the stars, leaving a calmer sky")
_BRIGHTER = ("light", 1, "brighter", "make the whole image brighter and more luminous")
_SOFTER = ("light", -1, "softer", "make the light softer and the contrast gentler")
_OTHERS: dict[str, tuple[str, int, str, str]] = {
    "more stars": _STARS_UP,
    "lots of stars": _STARS_UP,
    "fewer stars": _STARS_DOWN,
    "less stars": _STARS_DOWN,
    "brighter": _BRIGHTER,
    "more light": _BRIGHTER,
    "softer": _SOFTER,
    "darker": _SOFTER,
    "warmer": ("temperature", 1, "warmer", "make the colours warmer: amber and rose"),
    "cooler": ("temperature", -1, "cooler", "make the colours cooler: blue and silver"),
}


@dataclass(frozen=True, slots=True)
class Edit:
    """One supported edit: ``kind`` (hue, stars, light, temperature), its direction or colour,
    the stable ``key`` and the prompt text."""

    kind: str
    key: str
    prompt: str
    hue: float | None = None
    amount: int = 0


def supported_edits() -> list[str]:
    return [f"more {colour}" for colour in COLOURS] + sorted({v[2] for v in _OTHERS.values()})


def parse_edit(instruction: object) -> Edit:
    """The edit ``instruction`` asks for, or InvalidRequest naming ``instruction``."""
    try:
        text = clean_phrase(instruction)
    except ValueError as exc:
        raise InvalidRequest(f"instruction: {exc}", field="instruction") from None
    text = text.lower()
    for filler in _FILLERS:
        if text.startswith(filler):
            text = text[len(filler) :]
    words = text.split()
    if len(words) == 2 and words[0] == "more":
        colour = "gold" if words[1] == "golden" else words[1]
        if colour in COLOURS:
            hue, prompt = COLOURS[colour]
            return Edit("hue", f"more {colour}", prompt, hue=hue)
    if text in _OTHERS:
        kind, amount, key, prompt = _OTHERS[text]
        return Edit(kind, key, prompt, amount=amount)
    raise InvalidRequest(
        f"instruction: not an edit we make; try one of: {', '.join(supported_edits())}",
        field="instruction",
    )
