"""Which request model and builder serve each category.

A host replaces a builder or adds a category without editing the package::

    registry = default_prompt_registry()
    registry.register("tarot", TarotRequest, build_tarot, is_custom=lambda r: r.deck != "rider")
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
    GroupRequest,
    MoonRitualRequest,
    RequestModel,
)
from ..zodiac import Category
from .builders import (
    BuildContext,
    build_avatar,
    build_compatibility,
    build_daily_energy,
    build_group,
    build_moon_ritual,
)
from .spec import PromptSpec

__all__ = [
    "CategoryDef",
    "CustomRule",
    "PromptBuilder",
    "PromptRegistry",
    "SharedVariant",
    "default_prompt_registry",
]

PromptBuilder = Callable[[Any, BuildContext], PromptSpec]
CustomRule = Callable[[Any], bool]
SharedVariant = Callable[[Any], RequestModel]
_NAME = re.compile(r"[a-z][a-z0-9_]{0,49}")


def _never_custom(_request: Any) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class CategoryDef:
    """A category: its request model and prompt builder, and its own rules.

    ``is_custom(request)`` says whether a request is a premium, customised one (a tier needs
    ``custom_avatars`` for it). ``shared_variant(request)``, when the category has one, turns
    a request into the shared picture everyone asking the same gets (the sign's daily image):
    a tier that may only view cached images of the category is shown that.
    """

    name: str
    request_model: type[RequestModel]
    builder: PromptBuilder
    is_custom: CustomRule = _never_custom
    shared_variant: SharedVariant | None = None


def _custom_avatar(request: AvatarRequest) -> bool:
    """A custom avatar has traits, or is a variation beyond the first."""
    return bool(request.traits) or request.version > 1


def _shared_daily_energy(request: DailyEnergyRequest) -> DailyEnergyRequest:
    return request.model_copy(update={"personalized": False})


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
        is_custom: CustomRule = _never_custom,
        shared_variant: SharedVariant | None = None,
    ) -> None:
        """Add a category, or replace one with ``replace=True``; see :class:`CategoryDef`."""
        if not _NAME.fullmatch(name):
            raise ConfigurationError(
                f"category name {name!r} must be lower-case letters, digits and underscores"
            )
        if name in self._defs and not replace:
            raise ConfigurationError(f"category {name!r} is already registered; pass replace=True")
        self._defs[name] = CategoryDef(name, request_model, builder, is_custom, shared_variant)

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
    """A new registry holding the built-in categories."""
    registry = PromptRegistry()
    registry.register(
        Category.DAILY_ENERGY,
        DailyEnergyRequest,
        build_daily_energy,
        shared_variant=_shared_daily_energy,
    )
    registry.register(Category.AVATAR, AvatarRequest, build_avatar, is_custom=_custom_avatar)
    registry.register(Category.COMPATIBILITY, CompatibilityRequest, build_compatibility)
    registry.register(Category.MOON_RITUAL, MoonRitualRequest, build_moon_ritual)
    registry.register(Category.GROUP, GroupRequest, build_group)
    return registry
