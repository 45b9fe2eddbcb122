"""Providers by name: ``procedural``, ``openai``, a registered name, or ``module:attribute``.

A host adds its own with :func:`register_provider` (see ``examples/custom_provider.py``), or
points ``COSMIC_IMAGES_PROVIDER`` at an import path such as ``myapp.images:make_provider``:
the attribute is an :class:`ImageProvider` instance, or a factory called with the settings.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

from ..errors import ConfigurationError
from ..settings import Settings
from .base import ImageProvider
from .procedural import ProceduralProvider

__all__ = ["ProviderFactory", "available_providers", "provider_from_name", "register_provider"]

ProviderFactory = Callable[[Settings], ImageProvider]

_FACTORIES: dict[str, ProviderFactory] = {
    "procedural": lambda _settings: ProceduralProvider(),
}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make ``name`` build a provider with ``factory(settings)``."""
    _FACTORIES[name] = factory


def available_providers() -> list[str]:
    return sorted(_FACTORIES)


def provider_from_name(name: str, settings: Settings) -> ImageProvider:
    if ":" in name:
        return _from_import_path(name, settings)
    factory = _FACTORIES.get(name)
    if factory is None:
        known = ", ".join(available_providers())
        raise ConfigurationError(
            f"COSMIC_IMAGES_PROVIDER: unknown provider {name!r} (known: {known}, "
            "or an import path module:attribute)"
        )
    return factory(settings)


def _from_import_path(path: str, settings: Settings) -> ImageProvider:
    module_name, _, attribute = path.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"COSMIC_IMAGES_PROVIDER: cannot import {path!r}: {exc}") from exc
    if isinstance(target, ImageProvider) and not inspect.isclass(target):
        return target
    if callable(target):
        made = target(settings)
        if isinstance(made, ImageProvider):
            return made
    raise ConfigurationError(
        f"COSMIC_IMAGES_PROVIDER: {path!r} is neither an image provider nor a factory of one"
    )
