"""Providers by name: ``procedural``, ``openai``, a registered name, or ``module:attribute``.

A host adds its own with :func:`register_provider` (see ``examples/custom_provider.py``), or
points ``COSMIC_IMAGES_PROVIDER`` at an import path such as ``myapp.images:make_provider``:
the attribute is an :class:`ImageProvider` instance, or a factory called with the settings.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from collections.abc import Callable

from ..errors import ConfigurationError
from ..settings import Settings
from .base import ImageProvider
from .procedural import ProceduralProvider

__all__ = [
    "ProviderFactory",
    "available_providers",
    "provider_from_name",
    "register_provider",
    "resilient",
]

ProviderFactory = Callable[[Settings], ImageProvider]


def _openai(settings: Settings) -> ImageProvider:
    from ..ledger.pricing import load_price_table
    from .models import load_model_table
    from .openai_provider import OpenAIProvider

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIProvider.create(
        load_model_table(settings.models_file).get(settings.openai_model),
        load_price_table(settings.prices_file),
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.request_timeout,
        today=dt.datetime.now(dt.UTC).date(),
    )


_FACTORIES: dict[str, ProviderFactory] = {
    "procedural": lambda _settings: ProceduralProvider(),
    "openai": _openai,
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


def resilient(provider: ImageProvider, settings: Settings) -> ImageProvider:
    """``provider`` behind a circuit breaker and retries, with the fallback if one is set.

    The procedural provider runs locally and is returned as it is.
    """
    from .resilience import CircuitBreakerProvider, FallbackProvider, RetryingProvider

    if isinstance(provider, ProceduralProvider):
        return provider
    guarded: ImageProvider = RetryingProvider(
        CircuitBreakerProvider(
            provider,
            failure_threshold=settings.breaker_threshold,
            cool_down=settings.breaker_cool_down,
        ),
        max_retries=settings.max_retries,
        max_total=settings.retry_budget,
    )
    if settings.fallback_provider:
        guarded = FallbackProvider(
            guarded, provider_from_name(settings.fallback_provider, settings)
        )
    return guarded
