"""Prompt building: a :class:`PromptSpec` per request, one builder per category."""

from .builders import (
    ENERGY_DESCRIPTORS,
    MAX_PROMPT_CHARS,
    BuildContext,
    DayProfile,
    build_avatar,
    build_compatibility,
    build_daily_energy,
    build_moon_ritual,
    default_day_profile,
)
from .registry import (
    CategoryDef,
    CustomRule,
    PromptBuilder,
    PromptRegistry,
    SharedVariant,
    default_prompt_registry,
)
from .spec import PromptSpec, Visual

__all__ = [
    "ENERGY_DESCRIPTORS",
    "MAX_PROMPT_CHARS",
    "BuildContext",
    "CategoryDef",
    "CustomRule",
    "DayProfile",
    "PromptBuilder",
    "PromptRegistry",
    "PromptSpec",
    "SharedVariant",
    "Visual",
    "build_avatar",
    "build_compatibility",
    "build_daily_energy",
    "build_moon_ritual",
    "default_day_profile",
    "default_prompt_registry",
]
