"""Which request model and builder serve each category.

A host replaces a builder or adds a category without editing the package::

    registry = default_prompt_registry()
    registry.register("tarot", TarotRequest, build_tarot, description="Tarot card art")
    svc = CosmicImages.from_settings(settings, prompts=registry)
    svc.generate(user, "tarot", {...})

See ``examples/custom_prompt_builder.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError, InvalidRequest
from ..schemas import (
    AvatarRequest,
    CompatibilityRequest,
    DailyEnergyRequest,
    MoonRitualRequest,
    RequestModel,
)
from ..zodiac import Category
from .builders import (
    BuildContext,
    build_avatar,
    build_compatibility,
    build_daily_energy,
    build_moon_ritual,
)
from .spec import PromptSpec

__all__ = ["CategoryDef", "PromptBuilder", "PromptRegistry", "default_prompt_registry"]

PromptBuilder = Callable[[Any, BuildContext], PromptSpec]
_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")


@dataclass(frozen=True, slots=True)
class CategoryDef:
    name: str
    request_model: type[RequestModel]
    builder: PromptBuilder


class PromptRegistry:
    """A mapping of category name to its request model and prompt builder."""

    def __init__(self) -> None:
        self._defs: dict[str, CategoryDef] = {}

    def register(
        self,
        name: str,
        request_model: type[RequestModel],
        builder: PromptBuilder,
        *,
        replace: bool = False,
    ) -> None:
        """Add a category, or replace one's builder with ``replace=True``."""
        if not _NAME.fullmatch(name):
            raise ConfigurationError(
                f"category name {name!r} must be lower-case letters, digits and underscores"
            )
        if name in self._defs and not replace:
            raise ConfigurationError(f"category {name!r} is already registered; pass replace=True")
        self._defs[name] = CategoryDef(name, request_model, builder)

    def get(self, name: str) -> CategoryDef:
        try:
            return self._defs[name]
        except KeyError:
            known = ", ".join(sorted(self._defs))
            raise InvalidRequest(
                f"category: unknown category {name!r} (known: {known})", field="category"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._defs

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._defs))


def default_prompt_registry() -> PromptRegistry:
    """A new registry holding the four built-in categories."""
    registry = PromptRegistry()
    registry.register(Category.DAILY_ENERGY, DailyEnergyRequest, build_daily_energy)
    registry.register(Category.AVATAR, AvatarRequest, build_avatar)
    registry.register(Category.COMPATIBILITY, CompatibilityRequest, build_compatibility)
    registry.register(Category.MOON_RITUAL, MoonRitualRequest, build_moon_ritual)
    return registry
