"""What a prompt builder produces and a provider consumes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..zodiac import MoonPhase, Quality, Sign

__all__ = ["PromptSpec", "Visual"]


@dataclass(frozen=True, slots=True)
class Visual:
    """Structured hints for providers that draw rather than read (the procedural one).

    ``intensity`` runs from 0 (still) to 1 (explosive); ``blend`` is how far two palettes
    merge (compatibility); ``warmth`` is the mood's colour temperature, from -1 (cool) to 1
    (warm); ``moon_elongation`` is the Sun-Moon angle in degrees (0 new, 180 full) when a moon
    disc should be drawn.
    """

    motif: str
    palettes: tuple[tuple[str, str, str], ...]
    signs: tuple[Sign, ...] = ()
    intensity: float = 0.5
    blend: float = 0.5
    warmth: float = 0.0
    moon_phase: MoonPhase | None = None
    moon_elongation: float | None = None

    def __post_init__(self) -> None:
        if not self.palettes:
            raise ValueError("a Visual needs at least one palette")
        if not 0.0 <= self.intensity <= 1.0 or not 0.0 <= self.blend <= 1.0:
            raise ValueError("intensity and blend must be within 0..1")
        if not -1.0 <= self.warmth <= 1.0:
            raise ValueError("warmth must be within -1..1")


@dataclass(frozen=True, slots=True)
class PromptSpec:
    """A fully built request for one picture.

    ``identity`` is the normalised request that decides which picture this is (the cache key
    is built from it, the model and the quality). ``shared`` marks the sign's shared daily
    image, keyed by its identity alone.
    """

    category: str
    prompt: str
    quality: Quality
    visual: Visual
    description: str
    identity: Mapping[str, Any]
    aspect: str = "square"
    shared: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    # An edit: the stored image to change (its identity names it; the bytes ride along for the
    # provider and are no part of what the picture is).
    source: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def seed(self) -> str:
        """A stable hex digest of everything that defines the picture."""
        payload = json.dumps(
            {"category": self.category, "prompt": self.prompt, "identity": dict(self.identity)},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()
