"""Image providers behind one protocol, chosen by name: ``procedural``, ``openai``, yours.

The :class:`ImageProvider` protocol lives in :mod:`.base`, the registry here, one module per
provider beside them. A host adds its own with :func:`register_provider` (see
``examples/custom_provider.py``), or points ``COSMIC_IMAGES_PROVIDER`` at an import path such
as ``myapp.images:make_provider``: the attribute is an :class:`ImageProvider` instance, or a
factory called with the :class:`ProviderConfig`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from .._registry import Registry, import_path
from ..errors import ConfigurationError, CosmicImagesError
from .base import GeneratedImage, ImageProvider, ProviderConfig, ProviderProxy
from .procedural import ProceduralProvider

__all__ = [
    "GeneratedImage",
    "ImageProvider",
    "ProceduralProvider",
    "ProviderConfig",
    "ProviderFactory",
    "ProviderProxy",
    "available_providers",
    "provider_from_name",
    "register_provider",
]

ProviderFactory = Callable[[ProviderConfig], ImageProvider]

_SETTING = "COSMIC_IMAGES_PROVIDER"
_registry: Registry[ProviderFactory] = Registry("provider", _SETTING)
_registry.register("procedural", "cosmic_images.providers.procedural:from_config")
_registry.register("openai", "cosmic_images.providers.openai_provider:from_config")


def register_provider(name: str, factory: ProviderFactory | str) -> None:
    """Make ``name`` build a provider with ``factory(config)`` (or a ``module:attr`` path)."""
    _registry.register(name, factory)


def available_providers() -> list[str]:
    return _registry.names()


def provider_from_name(name: str, config: ProviderConfig | None = None) -> ImageProvider:
    """The provider registered as ``name``, or the one at the import path ``module:attr``.

    Whatever a host's factory raises, or a factory that returns something else than a
    provider, is a :class:`ConfigurationError` naming it.
    """
    config = config or ProviderConfig()
    if ":" in name:
        target = import_path(name, setting=_SETTING)
        if isinstance(target, ImageProvider) and not inspect.isclass(target):
            return target
        if not callable(target):
            raise ConfigurationError(
                f"{_SETTING}: {name!r} is neither an image provider nor a factory of one"
            )
        return _build(name, target, config)
    if name.lower() not in _registry:
        known = ", ".join(available_providers())
        raise ConfigurationError(
            f"{_SETTING}: unknown provider {name!r} (known: {known}, "
            "or an import path module:attribute)"
        )
    return _build(name, _registry.factory(name), config)


def _build(name: str, factory: Callable[..., object], config: ProviderConfig) -> ImageProvider:
    try:
        made = factory(config)
    except CosmicImagesError:
        raise
    except Exception as exc:
        raise ConfigurationError(
            f"{_SETTING}: the provider factory {name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(made, ImageProvider):
        raise ConfigurationError(
            f"{_SETTING}: {name!r} made {type(made).__name__}, not an image provider"
        )
    return made
